#include "builders/exec/executor.hpp"

#include <unistd.h>

#include <cstdlib>

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

std::string path_in_image(const std::vector<std::filesystem::path>& first) { return joined_path(first, kImagePath); }

namespace {

class LocalSession final : public Session {
 public:
  ProcessResult run(const ProcessSpec& command, const std::filesystem::path& log_file, const CancelToken& cancel) override {
    if (command.path_first.empty()) return run_process(command, log_file, cancel);
    ProcessSpec with_path = command;
    const char* path = std::getenv("PATH");
    with_path.env.push_back("PATH=" + joined_path(command.path_first, path ? path : "/usr/bin:/bin"));
    return run_process(with_path, log_file, cancel);
  }
};

class DockerSession final : public Session {
 public:
  DockerSession(DockerExecutor& docker, std::string platform) : docker_(docker), platform_(std::move(platform)) {}
  ProcessResult run(const ProcessSpec& command, const std::filesystem::path& log_file, const CancelToken& cancel) override {
    return docker_.run_in_container(command, platform_, log_file, cancel);
  }

 private:
  DockerExecutor& docker_;
  std::string platform_;
};

}  // namespace

std::unique_ptr<Session> LocalExecutor::open(const JobSpec&) { return std::make_unique<LocalSession>(); }

std::unique_ptr<Session> DockerExecutor::open(const JobSpec& job) { return std::make_unique<DockerSession>(*this, job.platform); }

DockerExecutor::DockerExecutor(DockerSettings settings) : settings_(std::move(settings)) {}

ProcessSpec DockerExecutor::create_command(const ProcessSpec& command, const std::string& platform,
                                       const std::string& container) const {
  ProcessSpec create;
  create.timeout = kCreateTimeout;
  const std::string workspace = settings_.workspace.string();
  create.argv = {settings_.docker, "create", "--init",
                 "--name", container,
                 "--label", std::string(kJobContainerLabel) + "=" + std::to_string(::getpid()),
                 "--network", "none",
                 "--user", std::to_string(::getuid()) + ":" + std::to_string(::getgid()),
                 "--volume", workspace + ":" + workspace,
                 "--env", "HOME=" + (settings_.workspace / ".home").string()};
  if (!command.path_first.empty()) {
    create.argv.push_back("--env");
    create.argv.push_back("PATH=" + path_in_image(command.path_first));
  }
  for (const std::string& entry : command.env) {
    create.argv.push_back("--env");
    create.argv.push_back(entry);
  }
  if (!command.cwd.empty()) {
    create.argv.push_back("--workdir");
    create.argv.push_back(command.cwd.string());
  }
  create.argv.push_back(settings_.image_prefix + platform);
  create.argv.insert(create.argv.end(), command.argv.begin(), command.argv.end());
  return create;
}

ProcessSpec DockerExecutor::start_command(const ProcessSpec& command, const std::string& container) const {
  // --attach streams the output and forwards signals (a cancellation's SIGTERM reaches the
  // build); its exit code is the container's.
  return {{settings_.docker, "start", "--attach", container}, {}, {}, command.timeout};
}

ProcessResult DockerExecutor::run_in_container(const ProcessSpec& command, const std::string& platform,
                                               const std::filesystem::path& log_file, const CancelToken& cancel) {
  std::error_code ignored;
  std::filesystem::create_directories(settings_.workspace / ".home", ignored);
  const std::string container =
      "calico-job-" + std::to_string(::getpid()) + "-" + std::to_string(next_container_.fetch_add(1));
  const auto started = std::chrono::steady_clock::now();
  // Created first and to the end, whatever a cancellation says meanwhile: a client killed while
  // the daemon creates leaves a container nobody can name yet (under load, seconds later). Once
  // `create` has answered, the container exists and the removal below finds it. A cancellation
  // that came meanwhile stops `start` from starting at all.
  static const CancelToken never;
  ProcessResult created = run_process(create_command(command, platform, container), log_file, never);
  ProcessResult result = created;
  if (created.ok()) result = run_process(start_command(command, container), log_file, cancel);
  // Removed here, whatever happened, and only here: the daemon's own --rm raced with this removal
  // after a timeout ("removal … already in progress") and left the container listed a while
  // after. `docker rm --force` returns once it is gone (stopping it first if the client's SIGTERM
  // did not). Not after a creation that failed outright: there is nothing to remove.
  if (created.ok() || created.timed_out || created.cancelled || created.signal != 0) {
    const ProcessResult removed =
        run_process({{settings_.docker, "rm", "--force", container}, {}, {}, kCreateTimeout}, log_file, never);
    if (!removed.ok() && result.ok()) result = removed;  // a container left behind fails the job: the log says why
  }
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return result;
}

}  // namespace calico::builders::exec
