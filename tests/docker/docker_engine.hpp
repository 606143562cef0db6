// What the docker tests need: a Docker engine that answers and the local base image that
// `scripts/docker-engine base` makes. They fail, saying why, when either is missing: a skipped
// container test would pass unseen.
#pragma once

#include <string>
#include <vector>

namespace calico::testkit {

// The image every docker test builds FROM (no registry is reachable here).
inline constexpr const char* kDockerBaseImage = "local/debian:bookworm";

// Empty when the engine answers and the base image is there; otherwise why not (with what
// scripts/test recorded when it tried to start the engine).
std::string docker_unavailable_reason();

// What `docker <args…>` printed (stdout and stderr), or throws when it could not run.
std::string docker_output(const std::vector<std::string>& args);

}  // namespace calico::testkit
