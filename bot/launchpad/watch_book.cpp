#include "bot/launchpad/watch_book.hpp"

#include <algorithm>

#include "bot/util/time_format.hpp"

namespace calico::launchpad {

std::int64_t MemoryWatchBook::add(const store::LpWatch& watch) {
  for (const store::LpWatch& existing : watches_) {
    if (existing.owner == watch.owner && existing.ppa == watch.ppa && existing.source == watch.source &&
        existing.version == watch.version && existing.series == watch.series) {
      return existing.id;
    }
  }
  store::LpWatch added = watch;
  added.id = static_cast<std::int64_t>(watches_.size()) + 1;
  added.updated_at = added.uploaded_at;
  watches_.push_back(added);
  return added.id;
}

std::vector<store::LpSchedule> MemoryWatchBook::due(const std::string& now) {
  std::vector<store::LpSchedule> due;
  for (const auto& [key, schedule] : schedules_) {
    if (schedule.next_poll_at <= now) due.push_back(schedule);
  }
  return due;
}

std::vector<store::LpWatch> MemoryWatchBook::unfinished(const std::string& owner, const std::string& ppa) {
  std::vector<store::LpWatch> found;
  for (const store::LpWatch& watch : watches_) {
    if (watch.owner == owner && watch.ppa == ppa && !watch.finished_at) found.push_back(watch);
  }
  return found;
}

void MemoryWatchBook::save(const store::LpWatch& watch, bool) {
  for (store::LpWatch& existing : watches_) {
    if (existing.id == watch.id) existing = watch;
  }
}

void MemoryWatchBook::schedule(const store::LpSchedule& schedule, bool sooner) {
  const auto key = std::make_pair(schedule.owner, schedule.ppa);
  auto found = schedules_.find(key);
  if (found == schedules_.end() || !sooner) {
    schedules_[key] = schedule;
    return;
  }
  found->second.interval_seconds = std::min(found->second.interval_seconds, schedule.interval_seconds);
  found->second.next_poll_at = std::min(found->second.next_poll_at, schedule.next_poll_at);
}

void MemoryWatchBook::unschedule(const std::string& owner, const std::string& ppa) { schedules_.erase({owner, ppa}); }

}  // namespace calico::launchpad
