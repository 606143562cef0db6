#include "builders/exec/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "builders/exec/process_identity.hpp"
#include "builders/files.hpp"

extern char** environ;

namespace calico::builders::exec {

namespace {

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

std::mutex& settings_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::set<std::string>& withheld() {
  static std::set<std::string> names;
  return names;
}
std::filesystem::path& record_dir() {
  static std::filesystem::path dir;
  return dir;
}

bool passed_on(std::string_view name) {
  static const std::set<std::string, std::less<>> exact = {
      "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TZ", "TERM", "LANG", "LANGUAGE",
      "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "SSH_AUTH_SOCK", "KUBECONFIG"};
  if (exact.count(name)) return true;
  return name.starts_with("LC_") || name.starts_with("DOCKER_") || name.starts_with("CLOUDSDK_");
}

std::vector<std::string> merged_environment(const std::vector<std::string>& additions) {
  std::map<std::string, std::string> entries;
  std::vector<std::string> order;
  auto add = [&](const std::string& entry) {
    const std::string name = entry.substr(0, entry.find('='));
    if (!entries.count(name)) order.push_back(name);
    entries[name] = entry;
  };
  for (const std::string& entry : base_environment()) add(entry);
  for (const std::string& entry : additions) add(entry);
  std::vector<std::string> out;
  for (const std::string& name : order) out.push_back(entries[name]);
  return out;
}

// argv[0] as execve needs it: looked up on the command's own PATH when it names no directory.
std::optional<std::string> resolve_program(const std::string& program, const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return program;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const std::string& entry : env) {
    if (entry.starts_with("PATH=")) path = entry.substr(5);
  }
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    const std::string dir = end == begin ? "." : path.substr(begin, end - begin);
    const std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) return candidate;
    begin = end + 1;
  }
  return std::nullopt;
}

void close_descriptors_from(int first) {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, first, ~0U, 0) == 0) return;
#endif
  const long limit = ::sysconf(_SC_OPEN_MAX);
  for (long fd = first; fd < (limit > 0 ? limit : 1024); ++fd) ::close(static_cast<int>(fd));
}

// In the forked child, which may only make async-signal-safe calls (the bot has other threads).
// It becomes the leader of a new process group and the guardian of the command: it starts the
// command in its group and waits. When the bot dies (PR_SET_PDEATHSIG) it kills the group.
// Signals sent to the group (a timeout's SIGTERM) reach the command; the guardian ignores them
// and ends with the command, exiting as it exited.
[[noreturn]] void guardian(pid_t bot, const char* program, char* const* argv, char* const* envp, const char* cwd, int log_fd,
                           int error_fd) {
  ::setpgid(0, 0);
  sigset_t watched;
  sigemptyset(&watched);
  for (int sig : {SIGCHLD, SIGHUP, SIGTERM, SIGINT}) sigaddset(&watched, sig);
  ::sigprocmask(SIG_BLOCK, &watched, nullptr);
  ::prctl(PR_SET_PDEATHSIG, SIGHUP);
  if (::getppid() != bot) {  // the bot died before the line above took effect
    ::kill(0, SIGKILL);
    ::_exit(137);
  }
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(log_fd, STDOUT_FILENO) < 0 ||
      ::dup2(log_fd, STDERR_FILENO) < 0) {
    const int error = errno;
    [[maybe_unused]] ssize_t w = ::write(error_fd, &error, sizeof error);
    ::_exit(127);
  }
  // Nothing else of the bot's: its listening socket, store, log files, pipes. The error pipe is
  // kept (close-on-exec) for the command to report a failed exec.
  const int keep = ::fcntl(error_fd, F_DUPFD_CLOEXEC, 3);
  if (keep != 3) {
    ::dup2(error_fd, 3);
    ::fcntl(3, F_SETFD, FD_CLOEXEC);
  }
  close_descriptors_from(4);
  const pid_t command = ::fork();
  if (command == 0) {
    struct sigaction defaults {};
    defaults.sa_handler = SIG_DFL;
    for (int sig : {SIGPIPE, SIGCHLD, SIGHUP, SIGTERM, SIGINT}) ::sigaction(sig, &defaults, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (cwd && ::chdir(cwd) != 0) {
      const int error = errno;
      [[maybe_unused]] ssize_t w = ::write(3, &error, sizeof error);
      ::_exit(127);
    }
    ::execve(program, argv, envp);
    const int error = errno;
    [[maybe_unused]] ssize_t w = ::write(3, &error, sizeof error);
    ::_exit(127);
  }
  ::close(3);
  if (command < 0) ::_exit(127);
  for (;;) {
    siginfo_t info{};
    if (::sigwaitinfo(&watched, &info) < 0) continue;
    if (info.si_signo == SIGHUP && ::getppid() != bot) {
      ::kill(0, SIGKILL);  // the bot is gone: so is everything it started
      ::_exit(137);
    }
    if (info.si_signo != SIGCHLD) continue;  // the group's SIGTERM: the command decides
    int status = 0;
    const pid_t done = ::waitpid(command, &status, WNOHANG);
    if (done != command) continue;
    if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
    const int sig = WTERMSIG(status);
    struct sigaction defaults {};
    defaults.sa_handler = SIG_DFL;
    ::sigaction(sig, &defaults, nullptr);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    ::sigprocmask(SIG_UNBLOCK, &only, nullptr);
    ::kill(::getpid(), sig);
    ::_exit(128 + sig);
  }
}

// The record of a running command's group, for end_orphaned_processes after a crash.
std::filesystem::path record_start(pid_t group) {
  std::filesystem::path dir;
  {
    std::lock_guard lock(settings_mutex());
    dir = record_dir();
  }
  if (dir.empty()) return {};
  const std::optional<ProcessIdentity> leader = identity_of(group);
  if (!leader) return {};
  std::error_code ignored;
  std::filesystem::create_directories(dir, ignored);
  const std::filesystem::path file = dir / (std::to_string(self_identity().pid) + "-" + std::to_string(group));
  replace_file(file, self_identity().to_text() + "\n" + leader->to_text() + "\n");
  return file;
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

std::vector<std::string> base_environment() {
  std::set<std::string> withheld_now;
  {
    std::lock_guard lock(settings_mutex());
    withheld_now = withheld();
  }
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    const std::string_view entry(*e);
    const std::string name(entry.substr(0, entry.find('=')));
    if (passed_on(name) && !withheld_now.count(name)) out.emplace_back(entry);
  }
  return out;
}

void withhold_variables(std::vector<std::string> names) {
  std::lock_guard lock(settings_mutex());
  withheld() = std::set<std::string>(names.begin(), names.end());
}

void record_processes_in(std::filesystem::path dir) {
  std::lock_guard lock(settings_mutex());
  record_dir() = std::move(dir);
}

std::size_t end_orphaned_processes(const std::filesystem::path& dir) {
  std::size_t ended = 0;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::ifstream in(entry.path());
    std::string owner_line, leader_line;
    std::getline(in, owner_line);
    std::getline(in, leader_line);
    const std::optional<ProcessIdentity> owner = ProcessIdentity::parse(owner_line);
    const std::optional<ProcessIdentity> leader = ProcessIdentity::parse(leader_line);
    if (owner && owner->alive()) continue;  // another bot's, still running it
    if (leader) {
      // The group outlives its leader while any member runs: every member started after the
      // leader (a pid reused since then by an unrelated group would have started later, but is
      // not in this group unless it is ours).
      const std::vector<pid_t> members = group_members(leader->pid, leader->start_ticks);
      if (!members.empty()) {
        for (pid_t member : members) ::kill(member, SIGKILL);
        ++ended;
      }
    }
    std::filesystem::remove(entry.path(), ec);
  }
  return ended;
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

  const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (log_fd < 0) {
    result.failed_to_start = true;
    result.start_error = "cannot open log " + log_file.string() + ": " + std::strerror(errno);
    return result;
  }
  std::vector<std::string> env = merged_environment(command.env);
  const std::optional<std::string> program = resolve_program(command.argv[0], env);
  if (!program) {
    ::close(log_fd);
    result.failed_to_start = true;
    result.start_error = command.argv[0] + ": " + std::strerror(ENOENT);
    append_line(log_file, "# " + result.describe());
    return result;
  }
  std::vector<char*> args;
  for (const std::string& arg : command.argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  const std::string cwd = command.cwd.string();

  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
    ::close(log_fd);
    result.failed_to_start = true;
    result.start_error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return result;
  }
  const pid_t bot = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) guardian(bot, program->c_str(), args.data(), envp.data(), cwd.empty() ? nullptr : cwd.c_str(), log_fd, error_pipe[1]);
  ::close(error_pipe[1]);
  ::close(log_fd);
  if (pid < 0) {
    ::close(error_pipe[0]);
    result.failed_to_start = true;
    result.start_error = std::string("cannot fork: ") + std::strerror(errno);
    append_line(log_file, "# " + result.describe());
    return result;
  }
  ::setpgid(pid, pid);  // also done by the child: whichever runs first, the group exists for kill(-pid)
  const std::filesystem::path record = record_start(pid);
  // The command's exec either closes the pipe (it started) or writes why it could not.
  int exec_error = 0;
  ssize_t got = 0;
  do {
    got = ::read(error_pipe[0], &exec_error, sizeof exec_error);
  } while (got < 0 && errno == EINTR);
  ::close(error_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof exec_error)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!record.empty()) std::filesystem::remove(record);
    result.failed_to_start = true;
    result.start_error = command.argv[0] + ": " + std::strerror(exec_error);
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
  if (!record.empty()) {
    std::error_code ignored;
    std::filesystem::remove(record, ignored);
  }
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (!result.ok()) append_line(log_file, "# " + result.describe());
  return result;
}

}  // namespace calico::builders::exec
