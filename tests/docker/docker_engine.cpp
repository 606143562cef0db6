#include "tests/docker/docker_engine.hpp"

#include <cstdlib>
#include <stdexcept>

#include "builders/exec/process.hpp"
#include "builders/files.hpp"
#include "tests/support/fixtures.hpp"

namespace calico::testkit {

std::string docker_output(const std::vector<std::string>& args) {
  ScratchDir dir;
  builders::exec::CancelToken never;
  std::vector<std::string> argv{"docker"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string output;
  const builders::exec::ProcessResult result =
      builders::exec::capture_process({argv, {}, {}, std::chrono::seconds(120)}, dir.path() / "docker.log", never, output);
  if (result.failed_to_start) throw std::runtime_error("cannot run docker: " + result.start_error);
  return output;
}

std::string docker_unavailable_reason() {
  std::string recorded;
  if (const char* file = std::getenv("CALICO_DOCKER_UNAVAILABLE")) {
    if (auto text = builders::read_whole_file(file)) recorded = " (scripts/test: " + *text + ")";
  }
  try {
    const std::string version = docker_output({"info", "--format", "{{.ServerVersion}}"});
    if (version.empty() || version.find("Cannot connect") != std::string::npos || version.find("rror") != std::string::npos) {
      return "no Docker engine answers: " + version + recorded + "; the docker tests need one (scripts/test starts dockerd as root)";
    }
    const std::string image = docker_output({"image", "inspect", "--format", "{{.Id}}", kDockerBaseImage});
    if (image.rfind("sha256:", 0) != 0) {
      return std::string("the base image ") + kDockerBaseImage + " is missing: " + image + recorded + "; make it with scripts/docker-engine base";
    }
  } catch (const std::exception& e) {
    return e.what() + recorded;
  }
  return "";
}

}  // namespace calico::testkit
