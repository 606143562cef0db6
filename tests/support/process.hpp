// Starting the real calico-release-bot binary from tests: argv vectors only, output to a file.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace calico::testkit {

class ChildProcess {
 public:
  // Starts argv[0] with the given arguments; stdout and stderr go to `output`. `env` entries
  // ("NAME=value") are added to this process's environment for the child.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& output,
               const std::vector<std::string>& env = {}, const std::filesystem::path& cwd = {});
  ~ChildProcess();  // SIGKILLs a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // The exit code (or 128 + signal), or nullopt if it is still running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Runs to completion; returns exit code and captured output.
struct RunResult {
  int exit_code = -1;
  std::string output;
};
RunResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& scratch,
                      const std::vector<std::string>& env = {}, const std::filesystem::path& cwd = {});

// The text of `file`, or "" when it does not exist.
std::string read_file(const std::filesystem::path& file);

// Waits until `file` contains `needle`; returns the file's text then, or throws after `timeout`.
std::string wait_for_text(const std::filesystem::path& file, const std::string& needle,
                          std::chrono::milliseconds timeout);

// A loopback port nothing listens on now, for a server that cannot be told to take port 0 and
// report it (HAProxy, a replica kept on its port across restarts).
int free_loopback_port();

}  // namespace calico::testkit
