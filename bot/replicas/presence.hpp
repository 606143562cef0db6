// This process as one of the replicas serving the store: registered when the service starts, its
// heartbeat renewing the leases of the builds it runs every third of a lease, and marked stopped
// at a graceful stop with its builds released, so another replica (or its own next start) takes
// them over at once rather than when the leases run out.
#pragma once

#include <chrono>
#include <functional>

#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"
#include "bot/util/worker.hpp"

namespace calico::replicas {

class Presence {
 public:
  using Clock = std::function<std::chrono::sys_seconds()>;
  explicit Presence(store::Store& store, Clock clock = {});
  ~Presence();

  // Registers the replica. On a store one process has to itself, the builds an earlier process
  // left running are released to this one at once. Throws store::DatabaseError.
  void start();
  void stop();

 private:
  void beat();

  store::Store& store_;
  std::unique_ptr<store::Repositories> data_;
  Clock clock_;
  util::Worker worker_;
  bool started_ = false;
};

}  // namespace calico::replicas
