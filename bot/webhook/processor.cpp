#include "bot/webhook/processor.hpp"

#include <future>
#include <vector>

#include "bot/log/log.hpp"
#include "bot/handling/handler_results.hpp"
#include "bot/util/time_format.hpp"
#include "bot/webhook/decode_event.hpp"

namespace calico::webhook {

namespace {

constexpr int kBatch = 200;
// Polling also catches deliveries recorded by another process (the integration tests' restarts).
constexpr auto kProcessorIdleWake = std::chrono::seconds(5);

struct Processed {
  handlers::HandlerResult result;
  bool decoded = false;  // handlers ran: the outcome comes from applying their result
  std::string outcome;   // otherwise: why nothing ran
};

Processed run_decoded(DecodeOutcome decoded, const handlers::Registry& registry, const config::Config& config) {
  Processed processed;
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

Processed run_handlers(const store::ReceivedDelivery& stored, const handlers::Registry& registry,
                       const config::Config& config) {
  return run_decoded(decode_event(stored.delivery.event, stored.delivery.payload), registry, config);
}

// Another replica's processor may have taken the delivery first: then its results are written,
// and this one's are not (the claim waits for that replica's transaction and finds it processed).
void write_processed(store::Repositories& data, const Processed& processed, const std::string& guid,
                     const std::string& status_page) {
  if (!data.deliveries().claim(guid, util::utc_now_iso8601())) return;
  const std::string outcome =
      processed.decoded ? handling::apply_handler_result(data, processed.result, guid, status_page) : processed.outcome;
  data.deliveries().settle(guid, outcome);
}

}  // namespace

struct DeliveryProcessor::Handled {
  Processed processed;
};

std::shared_ptr<const DeliveryProcessor::Handled> DeliveryProcessor::handle_decoded(Decoded decoded) const {
  auto handled = std::make_shared<Handled>();
  handled->processed = run_decoded(std::move(decoded), registry_, config_);
  // A handler that threw is left to the worker, which records it in its own transaction.
  if (!handled->processed.decoded) return nullptr;
  return handled;
}

void DeliveryProcessor::handled_elsewhere(const Handled& handled) const {
  const handlers::HandlerResult& result = handled.processed.result;
  const Left left{!result.build_requests.empty() || !result.master_changes.empty() || !result.tag_changes.empty(),
                  !result.commands.empty(),
                  // commands are acknowledged on GitHub, tag changes reported there
                  !result.commands.empty() || !result.tag_changes.empty() || !result.build_requests.empty()};
  if (on_processed_ && (left.builds || left.commands || left.messages)) on_processed_(left);
}

DeliveryProcessor::Recorded DeliveryProcessor::record_handled(const Handled* handled, const store::Delivery& delivery) const {
  store::DeliveryRepository& deliveries = data_->deliveries();
  if (!handled || deliveries.any_waiting()) return {deliveries.record(delivery), false};
  // One insert of a row already processed, with the outcome it will have unless a request is
  // coalesced or a tag change says more (then one update).
  const handlers::HandlerResult& result = handled->processed.result;
  const std::string expected = handling::expected_outcome(result);
  std::optional<store::RecordOutcome> outcome;
  const std::string error = store_.attempt([&] {
    outcome = deliveries.record_processed(delivery, delivery.received_at, expected);
    if (*outcome == store::RecordOutcome::duplicate) return;
    const std::string applied = handling::apply_handler_result(*data_, result, delivery.guid, config_.server.status_page_url());
    if (applied != expected) deliveries.settle(delivery.guid, applied);
  });
  if (error.empty()) return {*outcome, *outcome == store::RecordOutcome::recorded};
  log::warn("processor.intake_write_failed", {{"delivery", delivery.guid}, {"error", error}});
  return {deliveries.record(delivery), false};
}

DeliveryProcessor::DeliveryProcessor(store::Store& store, const config::Config& config, handlers::Registry registry)
    : store_(store), data_(store::stored_repositories(store)), config_(config), registry_(std::move(registry)), worker_("processor", kProcessorIdleWake, [this] {
        while (process_pending() == static_cast<std::size_t>(kBatch) && !worker_.stopping()) {
        }
      }) {}

DeliveryProcessor::~DeliveryProcessor() { stop(); }

std::size_t DeliveryProcessor::process_pending() {
  const std::vector<store::ReceivedDelivery> batch =
      data_->deliveries().unprocessed(kBatch);
  std::vector<std::future<void>> writes;
  for (const store::ReceivedDelivery& stored : batch) {
    auto processed = std::make_shared<Processed>(run_handlers(stored, registry_, config_));
    auto done = std::make_shared<std::promise<void>>();
    writes.push_back(done->get_future());
    const std::string guid = stored.delivery.guid;
    // Each delivery is its own job: the store commits them together, but one failing write does
    // not stop the others.
    store_.atomically_then(
        [this, processed, guid, status_page = config_.server.status_page_url()] {
          write_processed(*data_, *processed, guid, status_page);
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
    if (on_processed_) on_processed_(Left{});
  }
  return batch.size();
}

}  // namespace calico::webhook
