// `calico-release-bot publish`: one plan run to completion in the foreground, configured like
// `make release-publish` (VERSION, REPO_NAME, FELIX_REPO, FELIX_CHECKOUT, NETWORKING_CALICO_REPO,
// NETWORKING_CALICO_CHECKOUT, STEPS, SECRET_KEY, HOST, GCLOUD_ARGS) or by the equivalent flags.
#pragma once

#include <chrono>
#include <iosfwd>
#include <map>
#include <string>

#include "config/config.hpp"

namespace calico::cli {

struct PublishOptions {
  // Flag values by environment-variable name ("VERSION", "STEPS", …); flags win over the
  // environment. "PLATFORMS" selects platforms; "SECRET_KEY" is a path to the key file.
  std::map<std::string, std::string> values;
  // The flags among them that stand for a component's variable (FELIX_REPO → "--felix-repo"):
  // each must name a configured component.
  std::map<std::string, std::string> component_flags;
  bool dry_run = false;
  // Wait until Launchpad has published every upload of the run (or one fails), as lp-wait does.
  bool wait = false;
  std::chrono::seconds wait_timeout{12 * 3600};
};

// Returns the process exit code (see --help).
int run_publish(const config::Config& config, const PublishOptions& options, std::ostream& out, std::ostream& err);

}  // namespace calico::cli
