// POST /webhook: checks a delivery's headers and signature, decodes it, and answers 202 only once
// the delivery is durably in the store. Its handlers' results are committed with it when nothing
// older waits (else later, from the store, by the DeliveryProcessor): either way an acknowledged
// delivery survives a crash, and is processed exactly once.
#pragma once

#include <functional>
#include <vector>

#include "bot/http/message.hpp"
#include "bot/metrics/metrics.hpp"
#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"
#include "bot/webhook/processor.hpp"
#include "config/secret.hpp"

namespace calico::webhook {

class Intake {
 public:
  // `secrets`: the current webhook secret and, during a rotation, the previous one.
  // `on_recorded`: called (on the store thread) after a new delivery is committed.
  // `processor`, when given, handles a new delivery in the transaction that records it (see
  // DeliveryProcessor::handle_decoded): the payload is decoded once, and read back never.
  Intake(std::vector<config::Secret> secrets, store::Store& store, metrics::Metrics& metrics,
         std::function<void()> on_recorded, const DeliveryProcessor* processor = nullptr);

  void handle(http::Request request, http::Respond respond);

 private:
  std::vector<config::Secret> secrets_;
  store::Store& store_;
  std::unique_ptr<store::Repositories> data_;
  metrics::Metrics& metrics_;
  std::function<void()> on_recorded_;
  const DeliveryProcessor* processor_;
};

// The event name as a bounded metrics label: the events the bot knows, or "other".
std::string_view event_label(std::string_view event);

}  // namespace calico::webhook
