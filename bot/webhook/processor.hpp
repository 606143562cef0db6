// Runs handlers on recorded deliveries, oldest first. A delivery's results (build requests, master
// marks) and its "processed" mark are written in one transaction, so each delivery is processed
// exactly once even across crashes: on start-up the processor picks up whatever was left.
#pragma once

#include <cstddef>
#include <functional>

#include "bot/store/store.hpp"
#include "bot/util/worker.hpp"
#include "config/config.hpp"
#include "handlers/registry.hpp"

namespace calico::webhook {

class DeliveryProcessor {
 public:
  DeliveryProcessor(store::Store& store, const config::Config& config, handlers::Registry registry);
  ~DeliveryProcessor();

  // Called after a batch of deliveries was processed (the dispatcher looks for work then).
  void on_processed(std::function<void()> callback) { on_processed_ = std::move(callback); }

  void start() { worker_.start(); }
  // Wakes the processor: a new delivery was recorded. Thread-safe, cheap.
  void notify() { worker_.notify(); }
  // Finishes the batch in hand and stops.
  void stop() { worker_.stop(); }

  // One pass over what is waiting; returns how many deliveries were processed. Used by the
  // thread, and by tests that drive processing by hand.
  std::size_t process_pending();

 private:
  store::Store& store_;
  const config::Config& config_;
  handlers::Registry registry_;
  std::function<void()> on_processed_;
  util::Worker worker_;  // its first pass processes whatever an earlier run left
};

}  // namespace calico::webhook
