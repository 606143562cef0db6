// The kubernetes executor: each build job is one batch/v1 Job whose single Pod runs the job's
// commands in order (pod_runner), in the platform's build image, on the workspace volume the bot
// shares with it. Its output is followed into the job log as the Pod writes it; each command's
// exit status is the runner's; a cancellation or a timeout deletes the Job with its Pod (background
// propagation) and waits until the Pod is gone. Signing and uploads stay with the bot: the key
// never enters a build Pod.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "builders/exec/executor.hpp"
#include "builders/exec/kubernetes/api_client.hpp"
#include "builders/exec/kubernetes/job_manifest.hpp"

namespace calico::builders::exec::kubernetes {

struct KubernetesSettings {
  std::string name_space;                        // empty: the access's namespace, else "default"
  std::string image_prefix = "calico-build/";    // the image for platform P: <prefix>P
  std::string workspace_claim = "calico-release-bot-workspace";
  std::filesystem::path workspace;               // the bot's work_dir
  std::filesystem::path mount_path;              // where the claim's root is mounted (work_dir or above it)
  std::chrono::seconds deadline{3600};           // each Job's activeDeadlineSeconds
  std::chrono::seconds ttl_after_finished{3600};
  std::chrono::seconds start_timeout{600};       // a Pod not running by then (a bad image) fails the job
  Resources resources;
  std::map<std::string, std::string> node_selector;
  std::vector<Toleration> tolerations;
  bool push_images = false;                      // the image step pushes what it builds
  // Build Pods run as this uid and gid (non-root: the restricted Pod Security Standard); unset:
  // the bot's own, so that what a build writes on the shared workspace is the bot's.
  std::optional<std::int64_t> run_as_user;
  std::optional<std::int64_t> run_as_group;
  std::int64_t build = 0;                        // labels: whose Jobs these are
  std::string replica;
};

class KubernetesExecutor final : public Executor {
 public:
  // Throws std::invalid_argument when the Pods would run as root.
  KubernetesExecutor(std::shared_ptr<ApiClient> api, KubernetesSettings settings);
  std::string name() const override { return "kubernetes"; }
  bool builds_on_host() const override { return false; }
  ImageSource images() const override { return settings_.push_images ? ImageSource::built_and_pushed : ImageSource::given; }
  std::unique_ptr<Session> open(const JobSpec& job) override;
  // Deletes every Job this build left (a replica that crashed or lost the build), Pods first
  // gone; returns how many there were.
  std::size_t remove_leftovers() override;

  const KubernetesSettings& settings() const { return settings_; }
  ApiClient& api() { return *api_; }
  const std::string& name_space() const { return name_space_; }

 private:
  std::shared_ptr<ApiClient> api_;
  KubernetesSettings settings_;
  std::string name_space_;
  std::int64_t uid_ = 0;
  std::int64_t gid_ = 0;

 public:
  std::int64_t uid() const { return uid_; }
  std::int64_t gid() const { return gid_; }
};

// Deletes Job `name` with background propagation (its Pods go too; without a policy the API
// would orphan them) and waits up to `wait` until no Pod of it is left. Returns false when
// something is still there after the wait.
bool delete_job(ApiClient& api, const std::string& name_space, const std::string& name, std::chrono::seconds wait);

}  // namespace calico::builders::exec::kubernetes
