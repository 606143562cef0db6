#include "builders/exec/executors.hpp"

#include "builders/exec/kubernetes/kubernetes_executor.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <utility>

namespace calico::builders::exec {

namespace {

using Factory = std::function<std::unique_ptr<Executor>(const config::PublishConfig&, const ExecutorContext&)>;

std::unique_ptr<Executor> make_kubernetes(const config::PublishConfig& publish, const ExecutorContext& context) {
  const config::KubernetesConfig& k = publish.kubernetes;
  kubernetes::KubernetesSettings settings;
  settings.name_space = k.name_space;
  settings.image_prefix = publish.docker_image_prefix;
  settings.workspace_claim = k.workspace_claim;
  settings.workspace = std::filesystem::absolute(publish.work_dir);
  settings.mount_path = k.workspace_mount_path;
  if (!settings.mount_path.empty()) {
    const auto [end, ignored] = std::mismatch(settings.mount_path.begin(), settings.mount_path.end(), settings.workspace.begin(), settings.workspace.end());
    if (end != settings.mount_path.end()) {
      throw std::invalid_argument("publish.kubernetes.workspace_mount_path " + settings.mount_path.string() +
                                  " does not hold publish.work_dir " + settings.workspace.string() + ": build Pods would not see the jobs' files");
    }
  }
  settings.deadline = publish.job_timeout;
  settings.ttl_after_finished = k.ttl_after_finished;
  settings.start_timeout = k.start_timeout;
  settings.resources = {k.cpu_request, k.memory_request, k.cpu_limit, k.memory_limit};
  settings.node_selector = k.node_selector;
  for (const config::KubernetesToleration& t : k.tolerations) settings.tolerations.push_back({t.key, t.op, t.value, t.effect});
  settings.push_images = k.push_images;
  settings.run_as_user = k.run_as_user;
  settings.run_as_group = k.run_as_group;
  settings.build = context.build;
  settings.replica = context.replica;
  auto api = std::make_shared<kubernetes::ApiClient>(kubernetes::find_api_access(k.kubeconfig));
  return std::make_unique<kubernetes::KubernetesExecutor>(std::move(api), std::move(settings));
}

const std::vector<std::pair<std::string, Factory>>& factories() {
  static const std::vector<std::pair<std::string, Factory>> table = {
      {"local", [](const config::PublishConfig&, const ExecutorContext&) { return std::make_unique<LocalExecutor>(); }},
      {"docker",
       [](const config::PublishConfig& publish, const ExecutorContext&) {
         return std::make_unique<DockerExecutor>(DockerSettings{"docker", publish.docker_image_prefix, publish.work_dir});
       }},
      {"kubernetes", make_kubernetes},
  };
  return table;
}

}  // namespace

std::unique_ptr<Executor> make_executor(const config::PublishConfig& publish, const ExecutorContext& context) {
  for (const auto& [name, make] : factories()) {
    if (name == publish.executor) return make(publish, context);
  }
  std::string known;
  for (const std::string& name : executor_names()) known += (known.empty() ? "" : ", ") + name;
  throw std::invalid_argument("publish.executor: \"" + publish.executor + "\" is not an executor (known: " + known + ")");
}

std::vector<std::string> executor_names() {
  std::vector<std::string> names;
  for (const auto& entry : factories()) names.push_back(entry.first);
  return names;
}

}  // namespace calico::builders::exec
