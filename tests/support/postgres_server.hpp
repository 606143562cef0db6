// A real PostgreSQL server from Debian's packages for the tests: initdb and pg_ctl in a scratch
// directory, listening on a free loopback port with password authentication. PostgreSQL refuses to
// run as root, so under root (CI) the server runs as `nobody`. One per suite: databases are cheap,
// a server is not.
#pragma once

#include <filesystem>
#include <string>

#include "config/config.hpp"

namespace calico::testkit {

class PostgresServer {
 public:
  PostgresServer();  // throws std::runtime_error saying what failed, with the server's log
  ~PostgresServer();  // stops the server and removes its files
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A new, empty database; its name is returned.
  std::string create_database();
  // The URL of `database`, without the password (that goes through secrets, as in production).
  std::string url(const std::string& database) const;
  static constexpr const char* kPassword = "calico-test-password";
  int port() const { return port_; }
  // A store configuration for the postgresql engine on a new database.
  config::StoreConfig store_config();

  // The server stops (fast: connections are cut) and starts again on the same port.
  void stop();
  void start();

 private:
  void run(const std::vector<std::string>& argv);
  std::filesystem::path dir_;
  std::filesystem::path data_;
  int port_ = 0;
  int databases_ = 0;
  bool running_ = false;
};

// One server for the whole test program, started on first use and stopped when the program's
// tests end (a global test environment).
PostgresServer& shared_postgres_server();

}  // namespace calico::testkit
