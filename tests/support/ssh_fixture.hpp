// A real OpenSSH server on loopback for the ssh transport's tests: its own host key, one client
// key, listening on a free port, stopped with the fixture.
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>

#include "builders/publish/rpm_host.hpp"
#include "tests/support/process.hpp"

namespace calico::testkit {

class SshUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SshServer {
 public:
  // Throws SshUnavailable when sshd cannot run here (not installed, or not root).
  explicit SshServer(const std::filesystem::path& dir);
  ~SshServer();
  // Client settings that reach this server as the current user.
  builders::publish::SshSettings settings() const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path control_dir_;  // short: ssh's control socket path must fit in 108 bytes
  int port_ = 0;
  std::string user_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace calico::testkit
