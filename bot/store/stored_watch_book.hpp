// The Launchpad watcher's book kept in the store: watches survive restarts, build reports and
// pages read them, and each PPA's poll is claimed by one replica at a time.
#pragma once

#include "bot/launchpad/watch_book.hpp"
#include "bot/store/store.hpp"

namespace calico::store {

class StoredWatchBook : public launchpad::WatchBook {
 public:
  explicit StoredWatchBook(Store& store) : store_(store) {}
  std::int64_t add(const LpWatch& watch) override;
  std::vector<LpSchedule> due(const std::string& now) override;
  std::vector<LpWatch> unfinished(const std::string& owner, const std::string& ppa) override;
  std::vector<LpWatch> all() override;
  void save(const LpWatch& watch, bool changed) override;
  void schedule(const LpSchedule& schedule, bool sooner) override;
  void unschedule(const std::string& owner, const std::string& ppa) override;

 private:
  Store& store_;
};

}  // namespace calico::store
