#include "bot/webhook/processor.hpp"

#include <future>
#include <vector>

#include "bot/log/log.hpp"
#include "bot/handling/handler_results.hpp"
#include "bot/store/deliveries.hpp"
#include "bot/webhook/decode_event.hpp"

namespace calico::webhook {

namespace {

constexpr int kBatch = 200;
// Polling also catches deliveries recorded by another process (the integration tests' restarts).
constexpr auto kIdleWake = std::chrono::seconds(5);

struct Processed {
  handlers::HandlerResult result;
  bool decoded = false;  // handlers ran: the outcome comes from applying their result
  std::string outcome;   // otherwise: why nothing ran
};

Processed run_handlers(const store::StoredDelivery& stored, const handlers::Registry& registry,
                       const config::Config& config) {
  Processed processed;
  DecodeOutcome decoded = decode_event(stored.delivery.event, stored.delivery.payload);
  if (const auto* ignored = std::get_if<Ignored>(&decoded)) {
    processed.outcome = "ignored: " + ignored->reason;
  } else if (const auto* malformed = std::get_if<Malformed>(&decoded)) {
    processed.outcome = "malformed: " + malformed->reason;
  } else {
    try {
      processed.result = registry.dispatch(std::get<Decoded>(decoded).event, handlers::HandlerContext{config});
      processed.decoded = true;
    } catch (const std::exception& e) {
      // A handler bug must not wedge the queue: record it and move on.
      processed.outcome = "handler failed: " + std::string(e.what());
    }
  }
  return processed;
}

}  // namespace

DeliveryProcessor::DeliveryProcessor(store::Store& store, const config::Config& config, handlers::Registry registry)
    : store_(store), config_(config), registry_(std::move(registry)), worker_("processor", kIdleWake, [this] {
        while (process_pending() == static_cast<std::size_t>(kBatch) && !worker_.stopping()) {
        }
      }) {}

DeliveryProcessor::~DeliveryProcessor() { stop(); }

std::size_t DeliveryProcessor::process_pending() {
  const std::vector<store::StoredDelivery> batch =
      store_.call([](store::Database& db) { return store::unprocessed_deliveries(db, kBatch); });
  std::vector<std::future<void>> writes;
  for (const store::StoredDelivery& stored : batch) {
    auto processed = std::make_shared<Processed>(run_handlers(stored, registry_, config_));
    auto done = std::make_shared<std::promise<void>>();
    writes.push_back(done->get_future());
    const std::string guid = stored.delivery.guid;
    // Each delivery is its own job: the store commits them together, but one failing write does
    // not stop the others.
    store_.post(
        [processed, guid, status_page = config_.server.status_page_url()](store::Database& db) {
          const std::string outcome = processed->decoded
                                          ? handling::apply_handler_result(db, processed->result, guid, status_page)
                                          : processed->outcome;
          store::mark_delivery_processed(db, guid, outcome);
        },
        [done, guid](std::exception_ptr error) {
          if (error) {
            try {
              std::rethrow_exception(error);
            } catch (const std::exception& e) {
              log::error("processor.write_failed", {{"delivery", guid}, {"error", e.what()}});
            }
          }
          done->set_value();
        });
  }
  for (auto& write : writes) write.wait();
  if (!batch.empty()) {
    log::debug("processor.batch", {{"deliveries", batch.size()}});
    if (on_processed_) on_processed_();
  }
  return batch.size();
}

}  // namespace calico::webhook
