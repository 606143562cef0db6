#include "builders/exec/executors.hpp"

#include <functional>
#include <stdexcept>
#include <utility>

namespace calico::builders::exec {

namespace {

using Factory = std::function<std::unique_ptr<Executor>(const config::PublishConfig&)>;

const std::vector<std::pair<std::string, Factory>>& factories() {
  static const std::vector<std::pair<std::string, Factory>> table = {
      {"local", [](const config::PublishConfig&) { return std::make_unique<LocalExecutor>(); }},
      {"docker",
       [](const config::PublishConfig& publish) {
         return std::make_unique<DockerExecutor>(DockerSettings{"docker", publish.docker_image_prefix, publish.work_dir});
       }},
  };
  return table;
}

}  // namespace

std::unique_ptr<Executor> make_executor(const config::PublishConfig& publish) {
  for (const auto& [name, make] : factories()) {
    if (name == publish.executor) return make(publish);
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
