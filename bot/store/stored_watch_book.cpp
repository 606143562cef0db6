// The service's watch book: the store's lp_watches and lp_ppa_schedules tables.
#include "bot/store/stored_watch_book.hpp"

#include <chrono>

#include "bot/util/time_format.hpp"

namespace calico::store {

std::int64_t StoredWatchBook::add(const LpWatch& watch) {
  return store_.call([&](Database& db) { return add_lp_watch(db, watch); });
}

std::vector<LpSchedule> StoredWatchBook::due(const std::string& now) {
  // Held for the poll's length at most: a replica that dies mid-poll leaves the PPA due again then.
  constexpr auto kPollHold = std::chrono::minutes(5);
  const auto at = util::parse_iso8601(now).value_or(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  return store_.call([&](Database& db) { return claim_due_lp_schedules(db, now, util::iso8601(at + kPollHold)); });
}

std::vector<LpWatch> StoredWatchBook::unfinished(const std::string& owner, const std::string& ppa) {
  return store_.call([&](Database& db) { return unfinished_lp_watches(db, owner, ppa); });
}

std::vector<LpWatch> StoredWatchBook::all() {
  return store_.call([](Database& db) { return all_lp_watches(db); });
}

void StoredWatchBook::save(const LpWatch& watch, bool changed) {
  store_.call([&](Database& db) { update_lp_watch(db, watch, changed); });
}

void StoredWatchBook::schedule(const LpSchedule& schedule, bool sooner) {
  store_.call([&](Database& db) { schedule_lp_poll(db, schedule, sooner); });
}

void StoredWatchBook::unschedule(const std::string& owner, const std::string& ppa) {
  store_.call([&](Database& db) { unschedule_lp_poll(db, owner, ppa); });
}

}  // namespace calico::store
