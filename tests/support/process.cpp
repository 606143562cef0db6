#include "tests/support/process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace calico::testkit {

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& output,
                           const std::vector<std::string>& env, const std::filesystem::path& cwd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // `env` entries replace inherited ones of the same name (getenv takes the first match).
  auto overridden = [&](std::string_view inherited) {
    for (const std::string& entry : env) {
      const std::string_view name(entry.data(), entry.find('='));
      if (inherited.size() > name.size() && inherited.substr(0, name.size()) == name && inherited[name.size()] == '=') return true;
    }
    return false;
  };
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) {
    if (!overridden(*e)) envp.push_back(*e);
  }
  for (const std::string& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
}

ChildProcess::~ChildProcess() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

void ChildProcess::signal(int sig) { ::kill(pid_, sig); }

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return status_;
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

RunResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& scratch,
                      const std::vector<std::string>& env, const std::filesystem::path& cwd) {
  const std::filesystem::path output = scratch / "run-output.txt";
  std::filesystem::remove(output);
  RunResult result;
  {
    ChildProcess child(argv, output, env, cwd);
    const std::optional<int> code = child.wait(std::chrono::seconds(60));
    if (!code) throw std::runtime_error(argv[0] + " did not finish");
    result.exit_code = *code;
  }
  result.output = read_file(output);
  return result;
}

std::string wait_for_text(const std::filesystem::path& file, const std::string& needle,
                          std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string text = read_file(file);
    if (text.find(needle) != std::string::npos) return text;
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("\"" + needle + "\" did not appear in " + file.string() + "; it holds:\n" + text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int free_loopback_port() {
  static std::mt19937 random(std::random_device{}());
  for (;;) {
    const int port = 20000 + static_cast<int>(random() % 30000);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    if (free) return port;
  }
}

}  // namespace calico::testkit
