// What each Debian build job of a plan will upload — its source package's name and version —
// found before anything is built, so that `/publish --dry-run` can say what the archive already
// holds (pub_debs would skip it). From the mirrors (fetched) and the component's rules, exactly
// as the build computes them; where only building can tell (the packaging made by pre-build
// commands, a .dsc still to download), the entry says so instead of guessing.
#pragma once

#include <string>
#include <vector>

#include "builders/plan.hpp"
#include "config/config.hpp"

namespace calico::builders::pipeline {

struct PlannedSource {
  std::string job;      // "felix/xenial"
  std::string series;   // "xenial"
  std::string source;   // "felix" (empty when unknown)
  std::string version;  // "3.20.5-xenial" (empty when unknown)
  std::string unknown;  // why name or version cannot be known before building ("" when known)
};

// Blocks (fetches mirrors into config.publish.mirror_dir). One entry per deb component job.
std::vector<PlannedSource> preview_sources(const Plan& plan, const config::Config& config);

}  // namespace calico::builders::pipeline
