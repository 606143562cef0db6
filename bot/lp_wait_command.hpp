// `calico-release-bot lp-wait`: what a release engineer did by refreshing the PPA page. Waits in
// the foreground until Launchpad shows the binaries of an upload as published, printing each
// change, and exits 0, or non-zero with the reason on a failure, a rejection or the timeout.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace calico::cli {

struct LpWaitOptions {
  std::string ppa;                  // OWNER/NAME
  std::string source;
  std::string version;              // with --series S, the version watched is <version>-<S>
  std::vector<std::string> series;
  std::chrono::seconds timeout{12 * 3600};
};

int run_lp_wait(const config::Config& config, const LpWaitOptions& options, std::ostream& out, std::ostream& err);

}  // namespace calico::cli
