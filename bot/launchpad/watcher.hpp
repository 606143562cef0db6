// Follows every stored Launchpad watch until its binaries are published (or it fails or is
// rejected). Each poll asks a PPA once for all its sources and once for all its binaries, then
// getBuilds once per watched source that Launchpad shows: 2 + (watched sources with a publication)
// requests per PPA per poll, whatever the number of watches. Intervals grow from the first to
// the maximum while nothing is finished; state lives in the store, so watches survive restarts.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <optional>
#include <mutex>
#include <thread>

#include "bot/launchpad/client.hpp"
#include "bot/store/lp_watches.hpp"
#include "bot/store/store.hpp"
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

  Watcher(store::Store& store, Client& client, WatcherSettings settings, Clock clock = {});
  ~Watcher();

  void on_change(ChangeHandler handler) { on_change_ = std::move(handler); }

  // Stores a watch for an upload, first polled after `first_interval` (or at once).
  std::int64_t watch(const std::string& owner, const std::string& ppa, const std::string& source,
                     const std::string& version, const std::string& series, bool poll_now = false,
                     std::optional<std::int64_t> build_id = std::nullopt);

  // Polls every due watch once; returns how many were polled.
  std::size_t poll_due();

  // A background thread that polls due watches every `tick` until stop().
  void start(std::chrono::milliseconds tick = std::chrono::seconds(5));
  void stop();

 private:
  store::Store& store_;
  Client& client_;
  WatcherSettings settings_;
  Clock clock_;
  ChangeHandler on_change_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace calico::launchpad
