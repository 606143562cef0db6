#include "builders/exec/executor.hpp"

#include <unistd.h>

namespace calico::builders::exec {

CommandResult LocalExecutor::run(const Command& command, const std::string&, const std::filesystem::path& log_file,
                                 const CancelToken& cancel) {
  return run_command(command, log_file, cancel);
}

DockerExecutor::DockerExecutor(DockerSettings settings) : settings_(std::move(settings)) {}

Command DockerExecutor::wrap(const Command& command, const std::string& platform) const {
  Command wrapped;
  wrapped.timeout = command.timeout;
  const std::string workspace = settings_.workspace.string();
  wrapped.argv = {settings_.docker, "run", "--rm", "--init",
                  "--user", std::to_string(::getuid()) + ":" + std::to_string(::getgid()),
                  "--volume", workspace + ":" + workspace,
                  "--env", "HOME=" + workspace};
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
  return run_command(wrap(command, platform), log_file, cancel);
}

}  // namespace calico::builders::exec
