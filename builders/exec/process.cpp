#include "builders/exec/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <optional>
#include <map>

#include "builders/files.hpp"

extern char** environ;

namespace calico::builders::exec {

namespace {

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

std::vector<std::string> merged_environment(const std::vector<std::string>& additions) {
  std::map<std::string, std::string> entries;
  std::vector<std::string> order;
  auto add = [&](const std::string& entry) {
    const std::string name = entry.substr(0, entry.find('='));
    if (!entries.count(name)) order.push_back(name);
    entries[name] = entry;
  };
  for (char** e = environ; *e; ++e) add(*e);
  for (const std::string& entry : additions) add(entry);
  std::vector<std::string> out;
  for (const std::string& name : order) out.push_back(entries[name]);
  return out;
}

void append_line(const std::filesystem::path& log_file, const std::string& line) { append_to_file(log_file, line + "\n"); }

}  // namespace

ProcessResult capture_process(const ProcessSpec& command, const std::filesystem::path& log_file, const CancelToken& cancel,
                              std::string& output) {
  const std::filesystem::path capture = log_file.string() + ".capture";
  std::filesystem::remove(capture);
  const ProcessResult result = run_process(command, capture, cancel);
  const std::string captured = read_whole_file(capture).value_or("");
  const std::size_t end_of_header = std::min(captured.find('\n'), captured.size());  // run_process's "$ argv" line
  output = captured.substr(std::min(end_of_header + 1, captured.size()));
  append_to_file(log_file, captured.substr(0, end_of_header) + "\n" + output);
  std::filesystem::remove(capture);
  return result;
}

std::string ProcessResult::describe() const {
  if (failed_to_start) return "could not start: " + start_error;
  if (cancelled) return "cancelled";
  if (timed_out) return "timed out";
  if (signal) return "killed by signal " + std::to_string(signal);
  return "exit code " + std::to_string(exit_code);
}

CancelToken::CancelToken() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

CancelToken::~CancelToken() { ::close(fd_); }

void CancelToken::cancel() {
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t written = ::write(fd_, &one, sizeof one);
}

bool CancelToken::cancelled() const {
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1;
}

std::string quote_for_log(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& arg : argv) {
    if (!line.empty()) line += ' ';
    if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == std::string::npos) {
      line += arg;
    } else {
      line += '\'';
      for (char c : arg) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
      line += '\'';
    }
  }
  return line;
}

ProcessResult run_process(const ProcessSpec& command, const std::filesystem::path& log_file, const CancelToken& cancel) {
  ProcessResult result;
  const auto started = std::chrono::steady_clock::now();
  append_line(log_file, "$ " + quote_for_log(command.argv) +
                            (command.cwd.empty() ? "" : "    (in " + command.cwd.string() + ")"));
  if (cancel.cancelled()) {
    result.cancelled = true;
    append_line(log_file, "# not started: the run was cancelled");
    return result;
  }
  if (command.argv.empty()) {
    result.failed_to_start = true;
    result.start_error = "empty command";
    return result;
  }

  const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    result.failed_to_start = true;
    result.start_error = "cannot open log " + log_file.string() + ": " + std::strerror(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDERR_FILENO);
  if (!command.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, command.cwd.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, so that a timeout or cancellation reaches its children too.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);

  std::vector<char*> args;
  for (const std::string& arg : command.argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env = merged_environment(command.env);
  std::vector<char*> envp;
  for (std::string& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(log_fd);
  if (rc != 0) {
    result.failed_to_start = true;
    result.start_error = command.argv[0] + ": " + std::strerror(rc);
    append_line(log_file, "# " + result.describe());
    return result;
  }

  const int pidfd = pidfd_open(pid);
  const auto deadline = started + command.timeout;
  constexpr auto kGrace = std::chrono::seconds(5);  // between SIGTERM and SIGKILL
  std::optional<std::chrono::steady_clock::time_point> terminated_at;
  bool hard_killed = false;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    const auto until = terminated_at ? *terminated_at + kGrace : deadline;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
    const int wait_ms = static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 60000));
    // Once the command is being stopped the cancel token stays readable: wait on the process only.
    pollfd fds[2] = {{pidfd, POLLIN, 0}, {cancel.fd(), POLLIN, 0}};
    const nfds_t watched = terminated_at ? 1 : 2;
    const int ready = pidfd >= 0 ? ::poll(fds, watched, hard_killed ? 1000 : wait_ms) : (::usleep(20000), 0);
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      break;
    }
    if (ready < 0 && errno != EINTR) break;
    if (!terminated_at) {
      const bool cancelled_now = cancel.cancelled();
      const bool timed_out_now = std::chrono::steady_clock::now() >= deadline;
      if (cancelled_now || timed_out_now) {
        result.cancelled = cancelled_now;
        result.timed_out = !cancelled_now;
        ::kill(-pid, SIGTERM);
        terminated_at = std::chrono::steady_clock::now();
      }
    } else if (!hard_killed && std::chrono::steady_clock::now() >= *terminated_at + kGrace) {
      ::kill(-pid, SIGKILL);  // it ignored SIGTERM for the whole grace period
      hard_killed = true;
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (!result.ok()) append_line(log_file, "# " + result.describe());
  return result;
}

}  // namespace calico::builders::exec
