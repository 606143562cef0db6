// Follows every watched upload until its binaries are published (or it fails, is rejected or is
// superseded). Watches of one PPA share one schedule, and one poll of a PPA costs two requests
// whatever the number of watched uploads — getPublishedSources since the oldest unfinished
// watch, getBuildSummariesForSourceIds for all of them — plus getBuilds only for the sources
// whose publication status or summary changed since the last poll. Intervals grow from the first
// to the maximum; a PPA whose every watch has failed or was probably rejected is re-checked
// slowly (Launchpad may retry a build; a late upload may appear) and given up after a while.
// State lives in a WatchBook: the store for the service (watches survive restarts), memory for
// lp-wait.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "bot/launchpad/client.hpp"
#include "bot/launchpad/watch_book.hpp"
#include "bot/store/lp_watches.hpp"
#include "bot/store/store.hpp"
#include "bot/util/worker.hpp"
#include "config/config.hpp"

namespace calico::launchpad {

struct WatcherSettings {
  std::chrono::seconds first_interval{60};
  std::chrono::seconds max_interval{600};
  std::chrono::seconds reject_after{7200};
  // A failed watch is re-checked this often (Launchpad may retry the build and publish it), and
  // given up this long after its upload; a probably rejected one likewise.
  std::chrono::seconds failed_recheck{std::chrono::hours(24)};
  std::chrono::seconds failed_give_up{std::chrono::hours(72)};
  std::chrono::seconds rejected_recheck{std::chrono::hours(1)};
  std::chrono::seconds rejected_give_up{std::chrono::hours(24)};
};

// The watcher's intervals and rejection limit as configured.
WatcherSettings watcher_settings(const config::LaunchpadConfig& launchpad);

class Watcher {
 public:
  using Clock = std::function<std::chrono::sys_seconds()>;
  // Called for every watch whose state or detail changed in a poll.
  using ChangeHandler = std::function<void(const store::LpWatch& before, const store::LpWatch& after)>;

  Watcher(WatchBook& book, Client& client, WatcherSettings settings, Clock clock = {});
  // The service's: watches kept in `store`.
  Watcher(store::Store& store, Client& client, WatcherSettings settings, Clock clock = {});
  ~Watcher();

  void on_change(ChangeHandler handler) { on_change_ = std::move(handler); }

  // Stores a watch for an upload; its PPA is polled within `first_interval` (or at once). With
  // `build_id`, the upload belongs to that build, made by its job `job`.
  std::int64_t watch(const std::string& owner, const std::string& ppa, const std::string& source,
                     const std::string& version, const std::string& series, bool poll_now = false,
                     std::optional<std::int64_t> build_id = std::nullopt, const std::string& job = "");

  // Polls every PPA that is due once; returns how many watches were polled.
  std::size_t poll_due();

  // A background worker that polls due PPAs every `tick` (and when notified) until stop().
  void start(std::chrono::milliseconds tick = std::chrono::seconds(5));
  void stop();

 private:
  std::size_t poll_ppa(const store::LpSchedule& schedule, std::chrono::sys_seconds now);

  std::unique_ptr<WatchBook> owned_book_;
  WatchBook& book_;
  Client& client_;
  WatcherSettings settings_;
  Clock clock_;
  ChangeHandler on_change_;
  std::unique_ptr<util::Worker> worker_;
};

}  // namespace calico::launchpad
