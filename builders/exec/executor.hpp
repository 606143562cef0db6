// Where a job's commands run: on this host (`local`) or inside the platform's build image
// (`docker`, the workspace mounted at the same path, as the calling user so that files it
// writes stay ours). Both take the same Command; the docker executor only wraps its argv.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "builders/exec/command.hpp"

namespace calico::builders::exec {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;
  // Runs `command` for a job on `platform`.
  virtual CommandResult run(const Command& command, const std::string& platform, const std::filesystem::path& log_file,
                            const CancelToken& cancel) = 0;
};

class LocalExecutor : public Executor {
 public:
  std::string name() const override { return "local"; }
  CommandResult run(const Command& command, const std::string& platform, const std::filesystem::path& log_file,
                    const CancelToken& cancel) override;
};

struct DockerSettings {
  std::string docker = "docker";              // the client binary
  std::string image_prefix = "calico-build/"; // image for platform P: <prefix>P
  std::filesystem::path workspace;            // mounted read-write at the same path
};

class DockerExecutor : public Executor {
 public:
  explicit DockerExecutor(DockerSettings settings);
  std::string name() const override { return "docker"; }
  CommandResult run(const Command& command, const std::string& platform, const std::filesystem::path& log_file,
                    const CancelToken& cancel) override;
  // The `docker run …` command that runs `command` on `platform` (exposed for tests: this
  // machine has a docker client but no engine).
  Command wrap(const Command& command, const std::string& platform) const;

 private:
  DockerSettings settings_;
};

}  // namespace calico::builders::exec
