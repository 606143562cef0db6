#include "tests/support/ssh_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include "tests/support/fixtures.hpp"

namespace calico::testkit {

namespace {


bool accepting(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

SshServer::SshServer(const std::filesystem::path& dir) : dir_(dir) {
  if (!std::filesystem::exists("/usr/sbin/sshd")) throw SshUnavailable("sshd is not installed (scripts/install-deps installs it)");
  if (::geteuid() != 0) throw SshUnavailable("sshd on loopback needs root here");
  std::filesystem::create_directories("/run/sshd");  // sshd's privilege separation directory
  std::filesystem::create_directories(dir_);
  for (const char* key : {"host_key", "client_key"}) {
    const RunResult made = run_process({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", (dir_ / key).string()}, dir_);
    if (made.exit_code != 0) throw SshUnavailable("ssh-keygen failed: " + made.output);
  }
  std::filesystem::copy_file(dir_ / "client_key.pub", dir_ / "authorized_keys");
  char pattern[] = "/tmp/calico-ssh-XXXXXX";
  control_dir_ = ::mkdtemp(pattern);
  port_ = free_port();
  user_ = ::getpwuid(::geteuid())->pw_name;
  write_file(dir_ / "sshd_config", "Port " + std::to_string(port_) + "\nListenAddress 127.0.0.1\nHostKey " +
                                       (dir_ / "host_key").string() + "\nAuthorizedKeysFile " + (dir_ / "authorized_keys").string() +
                                       "\nPidFile " + (dir_ / "sshd.pid").string() +
                                       "\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n"
                                       "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
                                       "Subsystem sftp internal-sftp\n");
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/sbin/sshd", "-D", "-e", "-f", (dir_ / "sshd_config").string()}, dir_ / "sshd.log");
  for (int i = 0; i < 200 && !accepting(port_); ++i) {
    if (process_->wait(std::chrono::milliseconds(0))) throw SshUnavailable("sshd exited: " + read_file(dir_ / "sshd.log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  if (!accepting(port_)) throw SshUnavailable("sshd did not start listening: " + read_file(dir_ / "sshd.log"));
}

SshServer::~SshServer() {
  process_->signal(SIGTERM);
  process_->wait(std::chrono::seconds(5));
  std::error_code ignored;
  std::filesystem::remove_all(control_dir_, ignored);
}

builders::publish::SshSettings SshServer::settings() const {
  // One connection shared by the many short commands of a publish (the production default
  // opens one per command, which is fine for a real host but slow to repeat in tests).
  return {user_ + "@127.0.0.1", port_, dir_ / "client_key",
          {"StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "LogLevel=ERROR", "ControlMaster=auto",
           "ControlPath=" + (control_dir_ / "%C").string(), "ControlPersist=10"}};
}

}  // namespace calico::testkit
