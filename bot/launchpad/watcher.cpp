#include "bot/launchpad/watcher.hpp"

#include <algorithm>
#include <set>


#include "bot/launchpad/assess.hpp"
#include "bot/log/log.hpp"
#include "bot/store/stored_watch_book.hpp"
#include "bot/util/time_format.hpp"

namespace calico::launchpad {

namespace {

// Launchpad's date_created is when it accepted the upload; our uploaded_at is our clock's.
constexpr std::chrono::hours kClockMargin{1};

// The builds as last read, from the stored architectures: what getBuilds said when the summary
// last changed.
std::vector<BuildRecord> builds_from_arches(const std::string& arches) {
  std::vector<BuildRecord> builds;
  for (const ArchStatus& arch : arches_from_json(arches)) {
    builds.push_back({"", arch.arch, arch.buildstate, arch.build_log_url, arch.dependencies});
  }
  return builds;
}

bool needs_attention(WatchState state) { return failed_or_rejected(state); }

}  // namespace

WatcherSettings watcher_settings(const config::LaunchpadConfig& launchpad) {
  return {launchpad.poll_first, launchpad.poll_max, launchpad.reject_after};
}

Watcher::Watcher(WatchBook& book, Client& client, WatcherSettings settings, Clock clock)
    : book_(book), client_(client), settings_(settings), clock_(std::move(clock)) {
  if (!clock_) clock_ = util::system_now;
}

Watcher::Watcher(store::Store& store, Client& client, WatcherSettings settings, Clock clock)
    : owned_book_(std::make_unique<store::StoredWatchBook>(store)),
      book_(*owned_book_),
      client_(client),
      settings_(settings),
      clock_(std::move(clock)) {
  if (!clock_) clock_ = util::system_now;
}

Watcher::~Watcher() { stop(); }

std::int64_t Watcher::watch(const std::string& owner, const std::string& ppa, const std::string& source,
                            const std::string& version, const std::string& series, bool poll_now,
                            std::optional<std::int64_t> build_id, const std::string& job) {
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
  watch.job = job;
  const std::int64_t id = book_.add(watch);
  book_.schedule({owner, ppa, settings_.first_interval.count(), watch.next_poll_at}, /*sooner=*/true);
  if (worker_) worker_->notify();
  return id;
}

std::size_t Watcher::poll_due() {
  const auto now = clock_();
  std::size_t polled = 0;
  for (const store::LpSchedule& schedule : book_.due(util::iso8601(now))) polled += poll_ppa(schedule, now);
  return polled;
}

std::size_t Watcher::poll_ppa(const store::LpSchedule& schedule, std::chrono::sys_seconds now) {
  const std::vector<store::LpWatch> watches = book_.unfinished(schedule.owner, schedule.ppa);
  if (watches.empty()) {
    book_.unschedule(schedule.owner, schedule.ppa);
    return 0;
  }
  const std::string ppa_name = schedule.owner + "/" + schedule.ppa;

  // Request 1: every source publication created since the oldest unfinished watch.
  // Request 2: the build summaries of those that are watched.
  std::chrono::sys_seconds oldest = now;
  for (const auto& w : watches) oldest = std::min(oldest, util::parse_iso8601(w.uploaded_at).value_or(now));
  std::vector<SourcePublication> sources;
  std::vector<const SourcePublication*> publications(watches.size(), nullptr);  // each watch's, if shown
  std::map<std::string, BuildSummary> summaries;
  bool reachable = true;
  try {
    sources = client_.archive_sources(schedule.owner, schedule.ppa, util::iso8601(oldest - kClockMargin));
    std::set<std::string> ids;
    for (std::size_t i = 0; i < watches.size(); ++i) {
      const store::LpWatch& w = watches[i];
      publications[i] = find_publication({w.source, w.version, w.series, oldest}, sources);
      if (publications[i]) ids.insert(publications[i]->id());
    }
    summaries = client_.build_summaries(schedule.owner, schedule.ppa, {ids.begin(), ids.end()});
  } catch (const std::exception& e) {
    // A 503 (Launchpad's own timeout answers with Retry-After: 900) or any failure: next poll.
    reachable = false;
    log::warn("launchpad.poll_failed", {{"ppa", ppa_name}, {"error", e.what()}});
  }

  std::int64_t interval = std::min<std::int64_t>(schedule.interval_seconds * 2, settings_.max_interval.count());
  bool all_need_attention = true;
  std::int64_t slow_recheck = 0;
  bool any_unfinished = false;
  std::vector<store::LpWatch> updated;
  for (std::size_t i = 0; i < watches.size(); ++i) {
    const store::LpWatch& before = watches[i];
    store::LpWatch after = before;
    after.updated_at = util::iso8601(now);
    const WatchedSource watched{before.source, before.version, before.series,
                                util::parse_iso8601(before.uploaded_at).value_or(now)};
    if (reachable) {
      try {
        const SourcePublication* publication = publications[i];
        const BuildSummary* summary = nullptr;
        if (publication) {
          if (auto found = summaries.find(publication->id()); found != summaries.end()) summary = &found->second;
        }
        const std::string seen = publication ? publication->status + "/" + (summary ? summary->status : "") : "";
        std::vector<BuildRecord> builds;
        if (publication && (seen != before.summary || publication->self_link != before.publication_link)) {
          builds = client_.builds(publication->self_link);  // only when something changed
        } else if (publication) {
          builds = builds_from_arches(before.arches);
        }
        const Assessment assessment = assess(watched, publication, summary, builds, now, settings_.reject_after);
        after.state = assessment.state;
        after.detail = assessment.detail;
        after.arches = arches_to_json(assessment.arches);
        after.publication_link = publication ? publication->self_link : "";
        after.summary = seen;
        if (assessment.finished) after.finished_at = util::iso8601(now);
        if (!assessment.finished && needs_attention(assessment.state)) {
          const bool failed = assessment.state == WatchState::failed;
          const auto age = now - watched.uploaded_at;
          if (age >= (failed ? settings_.failed_give_up : settings_.rejected_give_up)) after.finished_at = util::iso8601(now);
        }
      } catch (const std::exception& e) {
        log::warn("launchpad.builds_failed", {{"source", before.source}, {"version", before.version}, {"error", e.what()}});
      }
    }
    if (!after.finished_at) {
      any_unfinished = true;
      const WatchState state = after.state;
      if (needs_attention(state)) {
        const std::int64_t recheck = (state == WatchState::failed ? settings_.failed_recheck : settings_.rejected_recheck).count();
        slow_recheck = slow_recheck ? std::min(slow_recheck, recheck) : recheck;
      } else {
        all_need_attention = false;
      }
    }
    updated.push_back(std::move(after));
  }
  if (any_unfinished && all_need_attention && slow_recheck) interval = slow_recheck;
  for (std::size_t i = 0; i < watches.size(); ++i) {
    const store::LpWatch& before = watches[i];
    store::LpWatch& after = updated[i];
    // The watch's own columns show the PPA's schedule (for people reading the store or the page).
    after.interval_seconds = interval;
    after.next_poll_at = util::iso8601(now + std::chrono::seconds(interval));
    const bool changed = after.state != before.state || after.detail != before.detail || after.arches != before.arches;
    book_.save(after, changed);
    if (changed) {
      log::info("launchpad.watch", {{"ppa", ppa_name}, {"source", before.source}, {"version", before.version},
                                    {"state", to_string(after.state)}, {"detail", after.detail}});
      if (on_change_) on_change_(before, after);
    }
  }
  if (any_unfinished) {
    book_.schedule({schedule.owner, schedule.ppa, interval, util::iso8601(now + std::chrono::seconds(interval))}, false);
  } else {
    book_.unschedule(schedule.owner, schedule.ppa);
  }
  return watches.size();
}

void Watcher::start(std::chrono::milliseconds tick) {
  worker_ = std::make_unique<util::Worker>("launchpad.watcher", tick, [this] { poll_due(); });
  worker_->start();
}

void Watcher::stop() {
  if (worker_) worker_->stop();
}

}  // namespace calico::launchpad
