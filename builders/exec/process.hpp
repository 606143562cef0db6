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
  std::vector<std::string> env = {};      // "NAME=value" added to (or replacing in) the environment
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
