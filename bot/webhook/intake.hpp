// POST /webhook: checks a delivery's headers and signature, decodes it, and answers 202 only once
// the delivery is durably in the store. Handlers run later, from the store (DeliveryProcessor), so
// an acknowledged delivery survives a crash between the answer and its processing.
#pragma once

#include <functional>
#include <vector>

#include "bot/http/message.hpp"
#include "bot/metrics/metrics.hpp"
#include "bot/store/store.hpp"
#include "config/secret.hpp"

namespace calico::webhook {

class Intake {
 public:
  // `secrets`: the current webhook secret and, during a rotation, the previous one.
  // `on_recorded`: called (on the store thread) after a new delivery is committed.
  Intake(std::vector<config::Secret> secrets, store::Store& store, metrics::Metrics& metrics,
         std::function<void()> on_recorded);

  void handle(http::Request request, http::Respond respond);

 private:
  std::vector<config::Secret> secrets_;
  store::Store& store_;
  metrics::Metrics& metrics_;
  std::function<void()> on_recorded_;
};

// The event name as a bounded metrics label: the events the bot knows, or "other".
std::string_view event_label(std::string_view event);

}  // namespace calico::webhook
