// How one Pod runs a job's commands in order: the Pod's container runs a fixed bash program (the
// runner) that waits for the bot to hand it each command as files in the job's session directory
// on the shared workspace — argv, environment and working directory, each NUL-separated so that
// no argument is ever parsed by a shell — runs it, and answers with its exit status (a file, the
// truth) and a marker line on its output (which tells the log follower where a command's output
// ends). The Role needs no pods/exec and the bot never builds a shell string.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace calico::builders::exec::kubernetes {

// The container's command: bash -c <runner> calico-job-runner <session dir>. The marker comes in
// the environment variable CALICO_JOB_MARK (the runner removes it before a command runs).
std::vector<std::string> runner_command(const std::filesystem::path& session_dir);
inline constexpr const char* kMarkVariable = "CALICO_JOB_MARK";

// Hands command number `n` (from 1) to the runner: its files, then `<n>.ready` last (renamed into
// place, so the runner never sees half a command).
void hand_over(const std::filesystem::path& session_dir, int n, const std::vector<std::string>& argv,
               const std::vector<std::string>& env, const std::filesystem::path& cwd);
// Tells the runner there are no more commands: it exits with the last command's status.
void finish_session(const std::filesystem::path& session_dir);
// Command n's exit status once the runner has written it.
std::optional<int> exit_status(const std::filesystem::path& session_dir, int n);

// Splits the Pod's output stream into the log's bytes and the runner's marker lines
// ("<mark> <n> <status>"), whatever the pieces the stream arrives in.
class OutputSplitter {
 public:
  OutputSplitter(std::string mark, std::function<void(std::string_view)> log, std::function<void(int n, int status)> ended);
  void feed(std::string_view data);

 private:
  std::string mark_;
  std::function<void(std::string_view)> log_;
  std::function<void(int, int)> ended_;
  bool line_start_ = true;
  std::string pending_;   // the start of a line that may be a marker
  bool in_marker_ = false;
};

}  // namespace calico::builders::exec::kubernetes
