// The loop that applies [store] retention_days: once an hour, what settled before the retention
// is removed from the store (bot/store/retention). Takes a clock so tests can move time.
#pragma once

#include <chrono>
#include <functional>

#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"
#include "bot/util/worker.hpp"

namespace calico::maintenance {

class Pruner {
 public:
  using Clock = std::function<std::chrono::sys_seconds()>;
  // `retention_days` 0: never prunes (start() does not even start the loop).
  Pruner(store::Store& store, int retention_days, Clock clock = {});
  ~Pruner();
  Pruner(const Pruner&) = delete;
  Pruner& operator=(const Pruner&) = delete;

  void start();
  void stop() { worker_.stop(); }
  // One pass now; what it removed.
  store::Pruned prune();

 private:
  store::Store& store_;
  int retention_days_;
  Clock clock_;
  util::Worker worker_;
};

}  // namespace calico::maintenance
