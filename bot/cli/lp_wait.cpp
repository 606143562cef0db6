#include "bot/cli/lp_wait.hpp"

#include <algorithm>
#include <ostream>
#include <regex>
#include <thread>

#include "bot/cli/cli.hpp"
#include "bot/http/client.hpp"
#include "bot/launchpad/watcher.hpp"
#include "bot/store/lp_watches.hpp"

namespace calico::cli {

int run_lp_wait(const config::Config& config, const LpWaitOptions& options, std::ostream& out, std::ostream& err) {
  static const std::regex ppa_shape("([a-z0-9][a-z0-9+.-]*)/([a-z0-9][a-z0-9+.-]*)");
  static const std::regex name_shape("[a-z0-9][a-z0-9+.-]*");
  static const std::regex version_shape("[0-9][A-Za-z0-9.+~:-]*");
  std::smatch ppa;
  if (!std::regex_match(options.ppa, ppa, ppa_shape)) {
    err << "calico-release-bot lp-wait: --ppa must be OWNER/NAME, got \"" << options.ppa << "\"\n";
    return kUsage;
  }
  if (!std::regex_match(options.source, name_shape)) {
    err << "calico-release-bot lp-wait: --source must be a source package name, got \"" << options.source << "\"\n";
    return kUsage;
  }
  if (!std::regex_match(options.version, version_shape)) {
    err << "calico-release-bot lp-wait: --version must be a Debian version, got \"" << options.version << "\"\n";
    return kUsage;
  }
  for (const std::string& series : options.series) {
    if (!std::regex_match(series, name_shape)) {
      err << "calico-release-bot lp-wait: --series must be a series name, got \"" << series << "\"\n";
      return kUsage;
    }
  }

  // Watches kept in memory: lp-wait shares the watcher's logic, not the service's state.
  launchpad::MemoryWatchBook book;
  http::Client http(launchpad::client_settings(config.launchpad));
  launchpad::Client client(config.launchpad.api_root, http);
  launchpad::Watcher watcher(book, client, launchpad::watcher_settings(config.launchpad));
  watcher.on_change([&](const store::LpWatch&, const store::LpWatch& after) {
    out << after.source << " " << after.version << (after.series.empty() ? "" : " (" + after.series + ")") << ": "
        << launchpad::to_string(after.state) << " — " << after.detail << "\n"
        << std::flush;
  });
  const std::string owner = ppa[1];
  const std::string name = ppa[2];
  if (options.series.empty()) {
    watcher.watch(owner, name, options.source, options.version, "", /*poll_now=*/true);
  } else {
    for (const std::string& series : options.series) {
      const std::string suffix = "-" + series;
      const std::string version = options.version.ends_with(suffix) ? options.version : options.version + suffix;
      watcher.watch(owner, name, options.source, version, series, /*poll_now=*/true);
    }
  }
  out << "Waiting for " << options.source << " in ppa:" << options.ppa << " (" << config.launchpad.api_root << ")\n";

  return wait_for_launchpad(watcher, [&] { return book.all(); }, options.timeout, "lp-wait", out, err);
}

int wait_for_launchpad(launchpad::Watcher& watcher, const std::function<std::vector<store::LpWatch>()>& current,
                       std::chrono::seconds timeout, const std::string& who, std::ostream& out, std::ostream& err) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    watcher.poll_due();
    const std::vector<store::LpWatch> watches = current();
    bool all_finished = true;
    bool all_published = true;
    for (const store::LpWatch& watch : watches) {
      all_finished &= watch.finished_at.has_value();
      all_published &= watch.state == launchpad::WatchState::published;
      if (launchpad::failed_or_rejected(watch.state)) {
        err << "calico-release-bot " << who << ": " << watch.source << " " << watch.version << " " << launchpad::to_string(watch.state) << ": "
            << watch.detail << "\n";
        return kWatchFailed;
      }
    }
    if (all_finished && all_published) {
      out << "Published.\n";
      return kOk;
    }
    // Superseded by a newer upload: it will not be published, and nothing went wrong.
    const bool all_settled = std::all_of(watches.begin(), watches.end(), [](const store::LpWatch& w) {
      return w.finished_at.has_value() && launchpad::published_or_superseded(w.state);
    });
    if (all_settled) {
      for (const store::LpWatch& watch : watches) {
        if (watch.state == launchpad::WatchState::superseded) out << watch.version << ": superseded — " << watch.detail << "\n";
      }
      out << "Superseded by a newer upload; nothing failed.\n";
      return kOk;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      err << "calico-release-bot " << who << ": not published after " << timeout.count() << " s; last states:\n";
      for (const store::LpWatch& watch : watches) err << "  " << watch.version << ": " << launchpad::to_string(watch.state) << " — " << watch.detail << "\n";
      return kWatchFailed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace calico::cli
