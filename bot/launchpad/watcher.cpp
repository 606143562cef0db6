#include "bot/launchpad/watcher.hpp"

#include <algorithm>
#include <map>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "bot/launchpad/assess.hpp"
#include "bot/log/log.hpp"
#include "bot/util/time_format.hpp"

namespace calico::launchpad {

namespace {

std::string arches_json(const std::vector<ArchStatus>& arches) {
  boost::json::array list;
  for (const ArchStatus& arch : arches) {
    list.push_back(boost::json::object{{"arch", arch.arch},
                                       {"state", to_string(arch.state)},
                                       {"buildstate", arch.buildstate},
                                       {"build_log_url", arch.build_log_url}});
  }
  return boost::json::serialize(list);
}

}  // namespace

WatcherSettings watcher_settings(const config::LaunchpadConfig& launchpad) {
  return {launchpad.poll_first, launchpad.poll_max, launchpad.reject_after};
}

Watcher::Watcher(store::Store& store, Client& client, WatcherSettings settings, Clock clock)
    : store_(store), client_(client), settings_(settings), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); };
}

Watcher::~Watcher() { stop(); }

std::int64_t Watcher::watch(const std::string& owner, const std::string& ppa, const std::string& source,
                            const std::string& version, const std::string& series, bool poll_now,
                            std::optional<std::int64_t> build_id) {
  const auto now = clock_();
  store::LpWatch watch;
  watch.owner = owner;
  watch.ppa = ppa;
  watch.source = source;
  watch.version = version;
  watch.series = series;
  watch.uploaded_at = util::iso8601(now);
  watch.interval_seconds = settings_.first_interval.count();
  watch.next_poll_at = util::iso8601(poll_now ? now : now + settings_.first_interval);
  watch.build_id = build_id;
  return store_.call([&](store::Database& db) { return store::add_lp_watch(db, watch); });
}

std::size_t Watcher::poll_due() {
  const auto now = clock_();
  const std::vector<store::LpWatch> due =
      store_.call([&](store::Database& db) { return store::due_lp_watches(db, util::iso8601(now)); });
  std::map<std::pair<std::string, std::string>, std::vector<store::LpWatch>> by_ppa;
  for (const store::LpWatch& watch : due) by_ppa[{watch.owner, watch.ppa}].push_back(watch);

  for (auto& [ppa, watches] : by_ppa) {
    // Everything created since the oldest upload (a day's margin for clock differences).
    std::chrono::sys_seconds oldest = now;
    for (const auto& w : watches) oldest = std::min(oldest, util::parse_iso8601(w.uploaded_at).value_or(now));
    const std::string since = util::iso8601(oldest - std::chrono::hours(24));
    std::vector<SourcePublication> sources;
    std::vector<BinaryPublication> binaries;
    bool reachable = true;
    try {
      sources = client_.archive_sources(ppa.first, ppa.second, since);
      binaries = client_.archive_binaries(ppa.first, ppa.second, since);
    } catch (const std::exception& e) {
      reachable = false;
      log::warn("launchpad.poll_failed", {{"ppa", ppa.first + "/" + ppa.second}, {"error", e.what()}});
    }
    for (const store::LpWatch& before : watches) {
      store::LpWatch after = before;
      const auto next_interval = std::min<std::int64_t>(before.interval_seconds * 2, settings_.max_interval.count());
      after.interval_seconds = next_interval;
      after.next_poll_at = util::iso8601(now + std::chrono::seconds(next_interval));
      after.updated_at = util::iso8601(now);
      if (reachable) {
        const WatchedSource watched{before.source, before.version, before.series,
                                    util::parse_iso8601(before.uploaded_at).value_or(now)};
        std::vector<BuildRecord> builds;
        try {
          if (const SourcePublication* publication = find_publication(watched, sources)) builds = client_.builds(publication->self_link);
          const Assessment assessment = assess(watched, sources, builds, binaries, now, settings_.reject_after);
          after.state = std::string(to_string(assessment.state));
          after.detail = assessment.detail;
          after.arches = arches_json(assessment.arches);
          if (assessment.finished) after.finished_at = util::iso8601(now);
          const auto age = now - watched.uploaded_at;
          if (!assessment.finished && (assessment.state == WatchState::failed || assessment.state == WatchState::rejected)) {
            const bool failed = assessment.state == WatchState::failed;
            const std::chrono::seconds recheck = failed ? settings_.failed_recheck : settings_.rejected_recheck;
            after.interval_seconds = recheck.count();
            after.next_poll_at = util::iso8601(now + recheck);
            if (age >= (failed ? settings_.failed_give_up : settings_.rejected_give_up)) after.finished_at = util::iso8601(now);
          }
        } catch (const std::exception& e) {
          log::warn("launchpad.builds_failed", {{"source", before.source}, {"version", before.version}, {"error", e.what()}});
        }
      }
      store_.call([&](store::Database& db) { store::update_lp_watch(db, after); });
      if (after.state != before.state || after.detail != before.detail || after.arches != before.arches) {
        log::info("launchpad.watch", {{"ppa", before.owner + "/" + before.ppa}, {"source", before.source},
                                      {"version", before.version}, {"state", after.state}, {"detail", after.detail}});
        if (on_change_) on_change_(before, after);
      }
    }
  }
  return due.size();
}

void Watcher::start(std::chrono::milliseconds tick) {
  thread_ = std::thread([this, tick] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      try {
        poll_due();
      } catch (const std::exception& e) {
        log::error("launchpad.watcher_failed", {{"error", e.what()}});
      }
      lock.lock();
      wake_.wait_for(lock, tick, [&] { return stopping_; });
    }
  });
}

void Watcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace calico::launchpad
