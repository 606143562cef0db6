// Where a job's commands run: on this host (`local`) or inside the platform's build image
// (`docker`). Both take the same ProcessSpec.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "builders/exec/process.hpp"

namespace calico::builders::exec {

// The job a session is opened for: its id ("felix/xenial") and its platform (the build image).
struct JobSpec {
  std::string id;
  std::string platform;
};

// Where one job's commands run, opened when the job starts and closed (destroyed) when it ends:
// the local executor's is this host, the docker executor's the platform's image, the kubernetes
// executor's one Pod. Its commands run in order, each as one process inside it.
class Session {
 public:
  virtual ~Session() = default;
  virtual ProcessResult run(const ProcessSpec& command, const std::filesystem::path& log_file, const CancelToken& cancel) = 0;
};

// Where the platforms' build images come from: none needed (this host's tools), built on this
// host's docker, built here and pushed to the registry the cluster pulls from, or given there.
enum class ImageSource { none, built_here, built_and_pushed, given };

// The executor a build's jobs run on; one per build (a replica's or the command line's).
struct ExecutorContext {
  std::int64_t build = 0;  // 0: a command-line publish
  std::string replica;     // who runs it, for labels
};

// PATH inside a build image for a command that wants `first` ahead of the image's default
// (Debian's and Ubuntu's: /usr/local/sbin … /bin): the docker and kubernetes executors alike.
std::string path_in_image(const std::vector<std::filesystem::path>& first);

class Executor {
 public:
  virtual ~Executor() = default;
  // For messages and logs only: behaviour comes from the methods below, never from the name.
  virtual std::string name() const = 0;
  // Jobs build with this host's own tools: no build image to make, and RPM build dependencies
  // are the host's (rpmbuild does not check them against its own database).
  virtual bool builds_on_host() const = 0;
  virtual ImageSource images() const = 0;
  virtual std::unique_ptr<Session> open(const JobSpec& job) = 0;
  // Removes what an earlier run of this build left where its jobs ran (a crashed or replaced
  // replica's Pods), before the build runs again; returns how many there were.
  virtual std::size_t remove_leftovers() { return 0; }
};

class LocalExecutor : public Executor {
 public:
  std::string name() const override { return "local"; }
  bool builds_on_host() const override { return true; }
  ImageSource images() const override { return ImageSource::none; }
  std::unique_ptr<Session> open(const JobSpec& job) override;
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
  bool builds_on_host() const override { return false; }
  ImageSource images() const override { return ImageSource::built_here; }
  std::unique_ptr<Session> open(const JobSpec& job) override;
  // One command in a fresh container of `platform`'s image (what a session's run does).
  ProcessResult run_in_container(const ProcessSpec& command, const std::string& platform, const std::filesystem::path& log_file,
                                 const CancelToken& cancel);
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
