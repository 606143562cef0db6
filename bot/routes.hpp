// The service's HTTP routes: the webhook, /healthz and /metrics. Later issues add the status page.
#pragma once

#include <string>

#include "bot/http/message.hpp"
#include "bot/metrics/metrics.hpp"
#include "bot/store/store.hpp"
#include "bot/webhook/intake.hpp"

namespace calico {

class Routes : public http::Handler {
 public:
  Routes(std::string webhook_path, webhook::Intake& intake, store::Store& store, metrics::Metrics& metrics);
  void handle(http::Request request, http::Respond respond) override;

  // Bounded label for metrics: "webhook", "healthz", "metrics" or "other".
  std::string_view route_label(std::string_view path) const;

 private:
  std::string webhook_path_;
  webhook::Intake& intake_;
  store::Store& store_;
  metrics::Metrics& metrics_;
};

}  // namespace calico
