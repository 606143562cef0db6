// Where a job's commands run: on this host (`local`) or inside the platform's build image
// (`docker`). Both take the same ProcessSpec.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "builders/exec/process.hpp"

namespace calico::builders::exec {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;
  // Runs `command` for a job on `platform`.
  virtual ProcessResult run(const ProcessSpec& command, const std::string& platform, const std::filesystem::path& log_file,
                            const CancelToken& cancel) = 0;
};

class LocalExecutor : public Executor {
 public:
  std::string name() const override { return "local"; }
  ProcessResult run(const ProcessSpec& command, const std::string& platform, const std::filesystem::path& log_file,
                    const CancelToken& cancel) override;
};

struct DockerSettings {
  std::string docker = "docker";              // the client binary
  std::string image_prefix = "calico-build/"; // image for platform P: <prefix>P
  std::filesystem::path workspace;            // mounted read-write at the same path
};

// Every container a job runs carries this label (value: the bot's pid), so that what a crash
// left behind can be found: `docker ps --all --filter label=org.projectcalico.release-bot.job`.
inline constexpr const char* kJobContainerLabel = "org.projectcalico.release-bot.job";

// Runs each command in a fresh container of the platform's image: as the calling user (files it
// writes stay ours), the workspace mounted at the same path, HOME in it (<workspace>/.home), no
// network (a build fetches nothing: sources come from the bot's mirrors). The container is
// created (and so named) before it starts, so that a timeout or a cancellation removes it, not
// just the client that attached to it.
class DockerExecutor : public Executor {
 public:
  explicit DockerExecutor(DockerSettings settings);
  std::string name() const override { return "docker"; }
  ProcessResult run(const ProcessSpec& command, const std::string& platform, const std::filesystem::path& log_file,
                    const CancelToken& cancel) override;
  // `docker create …`: the container `container` that will run `command` on `platform`.
  ProcessSpec create_command(const ProcessSpec& command, const std::string& platform, const std::string& container) const;
  // `docker start --attach …`: runs it, under the command's timeout.
  ProcessSpec start_command(const ProcessSpec& command, const std::string& container) const;
  // How long the daemon may take to create (or remove) a container.
  static constexpr std::chrono::seconds kCreateTimeout{300};

 private:
  DockerSettings settings_;
  std::atomic<unsigned> next_container_{0};
};

}  // namespace calico::builders::exec
