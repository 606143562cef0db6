#include "tests/support/postgres_server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include <gtest/gtest.h>

#include <memory>

#include "tests/support/fixtures.hpp"
#include "tests/support/process.hpp"

namespace calico::testkit {

namespace {

constexpr uid_t kNobody = 65534;

std::filesystem::path bin_dir() {
  if (const char* dir = std::getenv("CALICO_POSTGRESQL_BIN")) return dir;
  for (const char* candidate : {"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"}) {
    if (std::filesystem::exists(std::filesystem::path(candidate) / "pg_ctl")) return candidate;
  }
  throw std::runtime_error("no PostgreSQL server binaries (postgresql-15): run scripts/install-deps");
}


// Under root, the server's own commands run as nobody.
std::vector<std::string> as_server_user(std::vector<std::string> argv) {
  if (::geteuid() != 0) return argv;
  std::vector<std::string> wrapped = {"/usr/bin/setpriv", "--reuid=" + std::to_string(kNobody),
                                      "--regid=" + std::to_string(kNobody), "--clear-groups", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

}  // namespace

PostgresServer::PostgresServer() {
  // Under /tmp, not the build tree: every directory above the data must be open to nobody.
  char pattern[] = "/tmp/calico-pg-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("cannot make a directory for PostgreSQL");
  dir_ = pattern;
  data_ = dir_ / "data";
  write_file(dir_ / "password", kPassword);
  if (::geteuid() == 0 && ::chown(dir_.c_str(), kNobody, kNobody) != 0) throw std::runtime_error("cannot chown " + dir_.string());
  if (::geteuid() == 0) ::chown((dir_ / "password").c_str(), kNobody, kNobody);
  const std::filesystem::path bin = bin_dir();
  run(as_server_user({(bin / "initdb").string(), "--pgdata=" + data_.string(), "--username=calico",
                      "--pwfile=" + (dir_ / "password").string(), "--auth-host=scram-sha-256", "--auth-local=trust",
                      "--encoding=UTF8", "--locale=C", "--no-sync"}));
  port_ = free_port();
  // The tests lose no data to a crash of the machine: fsync off keeps them fast.
  std::string settings = "\nlisten_addresses = '127.0.0.1'\nport = " + std::to_string(port_) +
                         "\nunix_socket_directories = '" + dir_.string() + "'\nfsync = off\nmax_connections = 200\n";
  std::string conf = read_text(data_ / "postgresql.conf") + settings;
  write_file(data_ / "postgresql.conf", conf);
  start();
}

PostgresServer::~PostgresServer() {
  try {
    stop();
  } catch (...) {
    // Removing the files below ends nothing running; the server's own stop failed, say so in CI.
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void PostgresServer::run(const std::vector<std::string>& argv) {
  const RunResult result = run_process(argv, dir_, {"LC_ALL=C"}, dir_);
  if (result.exit_code != 0) {
    std::string command;
    for (const std::string& arg : argv) command += (command.empty() ? "" : " ") + arg;
    throw std::runtime_error(command + " failed (" + std::to_string(result.exit_code) + "): " + result.output +
                             read_text(dir_ / "server.log"));
  }
}

void PostgresServer::start() {
  if (running_) return;
  run(as_server_user({(bin_dir() / "pg_ctl").string(), "start", "--wait", "--pgdata=" + data_.string(),
                      "--log=" + (dir_ / "server.log").string()}));
  running_ = true;
}

void PostgresServer::stop() {
  if (!running_) return;
  run(as_server_user({(bin_dir() / "pg_ctl").string(), "stop", "--wait", "--mode=fast", "--pgdata=" + data_.string()}));
  running_ = false;
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://calico@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::create_database() {
  const std::string name = "store_" + std::to_string(++databases_);
  run({(bin_dir() / "psql").string(), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--host=" + dir_.string(),
       "--port=" + std::to_string(port_), "--username=calico", "--dbname=postgres", "--command=CREATE DATABASE " + name});
  return name;
}

config::StoreConfig PostgresServer::store_config() {
  config::StoreConfig config;
  config.backend = "postgresql";
  config.url = url(create_database());
  config.password = config::Secret(kPassword);
  return config;
}

namespace {
std::unique_ptr<PostgresServer>& shared_server() {
  static std::unique_ptr<PostgresServer> server;
  return server;
}
class StopSharedServer : public ::testing::Environment {
 public:
  void TearDown() override { shared_server().reset(); }
};
}  // namespace

PostgresServer& shared_postgres_server() {
  static const bool registered = (::testing::AddGlobalTestEnvironment(new StopSharedServer), true);
  (void)registered;
  if (!shared_server()) shared_server() = std::make_unique<PostgresServer>();
  return *shared_server();
}

}  // namespace calico::testkit
