#include "builders/exec/executor.hpp"

#include <unistd.h>

#include <cstdlib>
#include <thread>

namespace calico::builders::exec {

namespace {

// What a container's PATH is when the image sets none (Debian's and Ubuntu's default).
constexpr const char* kImagePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string joined_path(const std::vector<std::filesystem::path>& first, const std::string& rest) {
  std::string path;
  for (const std::filesystem::path& dir : first) path += dir.string() + ":";
  return path + rest;
}

}  // namespace

CommandResult LocalExecutor::run(const Command& command, const std::string&, const std::filesystem::path& log_file,
                                 const CancelToken& cancel) {
  if (command.path_first.empty()) return run_command(command, log_file, cancel);
  Command with_path = command;
  const char* path = std::getenv("PATH");
  with_path.env.push_back("PATH=" + joined_path(command.path_first, path ? path : "/usr/bin:/bin"));
  return run_command(with_path, log_file, cancel);
}

DockerExecutor::DockerExecutor(DockerSettings settings) : settings_(std::move(settings)) {}

Command DockerExecutor::wrap(const Command& command, const std::string& platform, const std::string& container) const {
  Command wrapped;
  wrapped.timeout = command.timeout;
  const std::string workspace = settings_.workspace.string();
  wrapped.argv = {settings_.docker, "run", "--rm", "--init",
                  "--name", container,
                  "--label", std::string(kJobContainerLabel) + "=" + std::to_string(::getpid()),
                  "--network", "none",
                  "--user", std::to_string(::getuid()) + ":" + std::to_string(::getgid()),
                  "--volume", workspace + ":" + workspace,
                  "--env", "HOME=" + (settings_.workspace / ".home").string()};
  if (!command.path_first.empty()) {
    wrapped.argv.push_back("--env");
    wrapped.argv.push_back("PATH=" + joined_path(command.path_first, kImagePath));
  }
  for (const std::string& entry : command.env) {
    wrapped.argv.push_back("--env");
    wrapped.argv.push_back(entry);
  }
  if (!command.cwd.empty()) {
    wrapped.argv.push_back("--workdir");
    wrapped.argv.push_back(command.cwd.string());
  }
  wrapped.argv.push_back(settings_.image_prefix + platform);
  wrapped.argv.insert(wrapped.argv.end(), command.argv.begin(), command.argv.end());
  return wrapped;
}

CommandResult DockerExecutor::run(const Command& command, const std::string& platform,
                                  const std::filesystem::path& log_file, const CancelToken& cancel) {
  std::error_code ignored;
  std::filesystem::create_directories(settings_.workspace / ".home", ignored);
  const std::string container =
      "calico-job-" + std::to_string(::getpid()) + "-" + std::to_string(next_container_.fetch_add(1));
  CommandResult result = run_command(wrap(command, platform, container), log_file, cancel);
  if (result.cancelled || result.timed_out || result.signal != 0) {
    // The client is gone (SIGTERM reached the container through it, or SIGKILL did not); the
    // container may not be. Remove it whatever the run's own cancellation says.
    // A daemon slower than the client's end (a loaded machine) may still be creating or
    // starting it when the first removal asks: "No such container" then is not "gone". Asked
    // again a few times, a second apart; a removal that finds nothing costs nothing.
    static const CancelToken never;
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::seconds(1));
      run_command({{settings_.docker, "rm", "--force", container}, {}, {}, std::chrono::seconds(60)}, log_file, never);
    }
  }
  return result;
}

}  // namespace calico::builders::exec
