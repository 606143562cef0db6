// Runs handlers on recorded deliveries, oldest first. A delivery's results (build requests, master
// marks) and its "processed" mark are written in one transaction, so each delivery is processed
// exactly once even across crashes: on start-up the processor picks up whatever was left.
#pragma once

#include <cstddef>
#include <functional>

#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"
#include "bot/webhook/decode_event.hpp"
#include "bot/util/worker.hpp"
#include "config/config.hpp"
#include "handlers/registry.hpp"

namespace calico::webhook {

class DeliveryProcessor {
 public:
  DeliveryProcessor(store::Store& store, const config::Config& config, handlers::Registry registry);
  ~DeliveryProcessor();

  // What processed deliveries may have left for others: build requests or master marks (the
  // dispatcher), commands (the command runner), messages for GitHub (the outbox sender).
  struct Left {
    bool builds = true;
    bool commands = true;
    bool messages = true;
  };
  // Called after deliveries were processed (a batch: everything may have changed) with what they left.
  void on_processed(std::function<void(Left)> callback) { on_processed_ = std::move(callback); }

  void start() { worker_.start(); }
  // Wakes the processor: a new delivery was recorded. Thread-safe, cheap.
  void notify() { worker_.notify(); }
  // Finishes the batch in hand and stops.
  void stop() { worker_.stop(); }

  // One pass over what is waiting; returns how many deliveries were processed. Used by the
  // thread, and by tests that drive processing by hand.
  std::size_t process_pending();

  // The intake's shortcut, for a delivery it has just decoded: its handlers run now (they are pure)
  // on the caller's thread, and `record_handled` (in the store job that records the delivery, on
  // the store thread) records the delivery already processed, with their results, in the same
  // transaction — unless an older delivery is still waiting, which the worker must process
  // first: then the delivery is recorded to wait its turn. A failing write of the results is
  // undone alone and the delivery recorded to wait, for the worker, which records why.
  // `handled` may be null (nothing ran: the worker will): then the delivery is only recorded.
  struct Handled;
  std::shared_ptr<const Handled> handle_decoded(Decoded decoded) const;
  struct Recorded {
    store::RecordOutcome outcome = store::RecordOutcome::recorded;
    bool handled = false;  // its results were written with it
  };
  Recorded record_handled(const Handled* handled, const store::Delivery& delivery) const;
  // After record_handled wrote: tell those whom its results concern (a push to master wakes
  // only the dispatcher, not the command runner and the outbox sender, thousands of times a second).
  void handled_elsewhere(const Handled& handled) const;

 private:
  store::Store& store_;
  std::unique_ptr<store::Repositories> data_;
  const config::Config& config_;
  handlers::Registry registry_;
  std::function<void(Left)> on_processed_;
  util::Worker worker_;  // its first pass processes whatever an earlier run left
};

}  // namespace calico::webhook
