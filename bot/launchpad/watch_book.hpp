// Where the Launchpad watcher keeps its watches and each PPA's schedule. The service keeps them
// in its store (they survive restarts and build reports read them); `lp-wait` keeps them in
// memory for as long as it runs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bot/store/lp_watches.hpp"

namespace calico::launchpad {

class WatchBook {
 public:
  virtual ~WatchBook() = default;
  // Adds a watch (an existing one for the same upload is kept; the build, if any, is linked to
  // it). Returns its id.
  virtual std::int64_t add(const store::LpWatch& watch) = 0;
  // The PPAs due a poll at `now`, this poller's to poll (replicas sharing a store each get others).
  virtual std::vector<store::LpSchedule> due(const std::string& now) = 0;
  virtual std::vector<store::LpWatch> unfinished(const std::string& owner, const std::string& ppa) = 0;
  virtual std::vector<store::LpWatch> all() = 0;
  // `changed`: the poll moved its state, detail or architectures (its builds are due a report).
  virtual void save(const store::LpWatch& watch, bool changed) = 0;
  virtual void schedule(const store::LpSchedule& schedule, bool sooner) = 0;
  virtual void unschedule(const std::string& owner, const std::string& ppa) = 0;
};

// lp-wait's: nothing outlives the process. Not thread-safe: one caller polls.
class MemoryWatchBook : public WatchBook {
 public:
  std::int64_t add(const store::LpWatch& watch) override;
  std::vector<store::LpSchedule> due(const std::string& now) override;
  std::vector<store::LpWatch> unfinished(const std::string& owner, const std::string& ppa) override;
  std::vector<store::LpWatch> all() override { return watches_; }
  void save(const store::LpWatch& watch, bool changed) override;
  void schedule(const store::LpSchedule& schedule, bool sooner) override;
  void unschedule(const std::string& owner, const std::string& ppa) override;

 private:
  std::vector<store::LpWatch> watches_;
  std::map<std::pair<std::string, std::string>, store::LpSchedule> schedules_;
};

}  // namespace calico::launchpad
