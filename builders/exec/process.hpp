// Running one process of the procedure (a ProcessSpec: argv, directory, environment, timeout —
// "command" is the slash commands' word): always an argv vector (never a shell string), its
// output appended to the job's log file, with a timeout and cancellation that take the process's
// whole process group down.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace calico::builders::exec {

struct ProcessSpec {
  std::vector<std::string> argv;          // argv[0] is looked up on PATH if it has no '/'
  std::filesystem::path cwd = {};         // empty: the current directory
  // "NAME=value" added to (or replacing in) the base environment (base_environment(): never the
  // bot's whole environment, so never a secret it was given in a variable).
  std::vector<std::string> env = {};
  std::chrono::seconds timeout{3600};
  // Searched before the usual PATH: this host's for the local executor, the image's in a container.
  std::vector<std::filesystem::path> path_first = {};
};

struct ProcessResult {
  int exit_code = -1;        // the command's, or 128 + signal
  int signal = 0;            // the signal that ended it, if one did
  bool timed_out = false;
  bool cancelled = false;
  bool failed_to_start = false;
  std::chrono::milliseconds elapsed{0};

  bool ok() const { return exit_code == 0 && !timed_out && !cancelled && !failed_to_start; }
  // "exit code 2", "timed out after 3600 s", "cancelled", "could not start: …"
  std::string describe() const;
  std::string start_error;
};

// Shared by the jobs of one plan run: cancel() stops every command running under it, and any
// command started afterwards is not started.
class CancelToken {
 public:
  CancelToken();
  ~CancelToken();
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;
  void cancel();
  bool cancelled() const;
  int fd() const { return fd_; }  // readable once cancelled

 private:
  int fd_ = -1;
};

// The environment every process starts from: only these variables of the bot's own — PATH, HOME,
// USER, LOGNAME, SHELL, TMPDIR, TZ, TERM, LANG, LANGUAGE, LC_*, proxies (http_proxy, https_proxy,
// no_proxy, any case), SSH_AUTH_SOCK, DOCKER_*, CLOUDSDK_*, KUBECONFIG — minus the withheld ones.
std::vector<std::string> base_environment();
// Names never passed to a process whatever the list above says: the variables the configured
// secrets are read from (set once at start; a later call replaces the set).
void withhold_variables(std::vector<std::string> names);

// Where the process groups of running commands are recorded (a file each, "<bot pid> <start>
// <group leader pid> <start>", removed when the command ends): what end_orphaned_processes reads
// after a crash. Empty (the default): nothing is recorded.
void record_processes_in(std::filesystem::path dir);
// Kills (SIGKILL) every recorded process group whose bot is gone, and forgets its record. Returns
// how many groups had processes left.
std::size_t end_orphaned_processes(const std::filesystem::path& dir);

// Runs the command to completion (or timeout, or cancellation), appending a "$ argv" header and
// its stdout and stderr to `log_file`. Blocks the calling thread.
ProcessResult run_process(const ProcessSpec& command, const std::filesystem::path& log_file, const CancelToken& cancel);

// Runs like run_process and also returns what the command printed (stdout and stderr), which
// still goes to the log too.
ProcessResult capture_process(const ProcessSpec& command, const std::filesystem::path& log_file, const CancelToken& cancel,
                              std::string& output);

// The argv as a POSIX-shell-quoted line. Used for logs, and for the one place a shell cannot be
// avoided: the command line ssh hands to the remote user's shell, where each argument must
// arrive as exactly that argument.
std::string quote_for_log(const std::vector<std::string>& argv);

}  // namespace calico::builders::exec
