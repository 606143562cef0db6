#include "builders/exec/host_platform.hpp"

#include <chrono>

#include "builders/exec/process.hpp"

namespace calico::builders::exec {

std::string host_rpm_dist(std::string& error) {
  ProcessSpec command;
  command.argv = {"rpm", "--eval", "%{?dist}"};
  command.timeout = std::chrono::seconds(30);
  std::string output;
  const CancelToken never;
  const ProcessResult result = capture_process(command, "/dev/null", never, output);
  if (!result.ok()) {
    error = "`rpm --eval %{?dist}` " + result.describe();
    return {};
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return output;
}

std::vector<std::string> platforms_host_cannot_build(const config::PublishConfig& publish, std::string_view executor,
                                                     std::string_view host_dist, std::string_view host_error) {
  std::vector<std::string> problems;
  for (const config::PlatformConfig& platform : publish.platforms) {
    if (platform.kind != config::PackageKind::rpm || platform.build_on_host) continue;
    if (host_error.empty() && host_dist == platform.rpm_dist) continue;
    const std::string host = host_error.empty()
                                 ? (host_dist.empty() ? std::string("rpm's %{dist} here is empty")
                                                      : "rpm's %{dist} here is \"" + std::string(host_dist) + "\"")
                                 : std::string(host_error);
    problems.push_back("platform \"" + platform.name + "\" (RPMs for " + platform.rpm_dist +
                       ") would be built on this host by executor = \"" + std::string(executor) + "\", and this host is not that platform (" + host +
                       "): rpmbuild would use this host's compiler, headers and python. Use executor = \"docker\" or "
                       "\"kubernetes\" (each job in the platform's image), or set build_on_host = true on the platform with "
                       "the rpm_defines that adapt this host (README \"What runs where\")");
  }
  return problems;
}

}  // namespace calico::builders::exec
