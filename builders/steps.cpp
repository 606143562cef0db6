#include "builders/steps.hpp"

namespace calico::builders {

std::vector<std::string> all_steps(const config::PublishConfig& publish) {
  std::vector<std::string> steps{std::string(kImagesStep)};
  for (const config::ComponentConfig& component : publish.components) steps.push_back(component.step);
  steps.emplace_back(kPublishDebsStep);
  steps.emplace_back(kPublishRpmsStep);
  return steps;
}

std::optional<JobRole> step_role(const config::PublishConfig& publish, std::string_view step) {
  if (step == kImagesStep) return JobRole::images;
  if (step == kPublishDebsStep) return JobRole::publish_debs;
  if (step == kPublishRpmsStep) return JobRole::publish_rpms;
  if (publish.find_step(step)) return JobRole::component;
  return std::nullopt;
}

std::string step_list(const config::PublishConfig& publish) {
  std::string list;
  for (const std::string& step : all_steps(publish)) list += (list.empty() ? "" : ", ") + step;
  return list;
}

}  // namespace calico::builders
