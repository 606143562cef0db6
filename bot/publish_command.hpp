// `calico-release-bot publish`: one plan run to completion in the foreground, configured like
// `make release-publish` (VERSION, REPO_NAME, FELIX_REPO, FELIX_CHECKOUT, NETWORKING_CALICO_REPO,
// NETWORKING_CALICO_CHECKOUT, STEPS, SECRET_KEY, HOST, GCLOUD_ARGS) or by the equivalent flags.
#pragma once

#include <iosfwd>
#include <map>
#include <string>

#include "config/config.hpp"

namespace calico::cli {

struct PublishOptions {
  // Flag values by environment-variable name ("VERSION", "STEPS", …); flags win over the
  // environment. "PLATFORMS" selects platforms; "SECRET_KEY" is a path to the key file.
  std::map<std::string, std::string> values;
  bool dry_run = false;
};

// Returns the process exit code (see --help).
int run_publish(const config::Config& config, const PublishOptions& options, std::ostream& out, std::ostream& err);

}  // namespace calico::cli
