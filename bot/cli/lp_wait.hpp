// `calico-release-bot lp-wait`: what a release engineer did by refreshing the PPA page. Waits in
// the foreground until Launchpad shows the binaries of an upload as published, printing each
// change, and exits 0, or non-zero with the reason on a failure, a rejection or the timeout.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "bot/launchpad/watcher.hpp"
#include "bot/store/lp_watches.hpp"
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

// Polls `watcher` until every watch `watches()` returns is published (0), superseded by a newer
// upload (0, said), one fails or is rejected (kWatchFailed, named on `err`), or `timeout` passes
// (kWatchFailed, with the last states). `who` prefixes the error lines ("lp-wait").
int wait_for_launchpad(launchpad::Watcher& watcher, const std::function<std::vector<store::LpWatch>()>& watches,
                       std::chrono::seconds timeout, const std::string& who, std::ostream& out, std::ostream& err);

}  // namespace calico::cli
