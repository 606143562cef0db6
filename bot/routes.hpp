// The service's HTTP routes: the webhook, /healthz, /metrics and the status page (/, /builds/…,
// /api/builds…).
#pragma once

#include <string>

#include <boost/asio/io_context.hpp>

#include "bot/http/message.hpp"
#include "bot/metrics/metrics.hpp"
#include "bot/status_page/handler.hpp"
#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"
#include "bot/webhook/intake.hpp"

namespace calico {

class Routes : public http::Handler {
 public:
  // `timers`: where /healthz and /metrics time their wait for the store (an I/O context; only
  // used once requests arrive).
  Routes(std::string webhook_path, webhook::Intake& intake, store::Store& store, metrics::Metrics& metrics,
         boost::asio::io_context& timers);
  void handle(http::Request request, http::Respond respond) override;

  // Bounded label for metrics: "webhook", "healthz", "metrics", "status", "api" or "other".
  std::string_view route_label(std::string_view path) const;

 private:
  std::string webhook_path_;
  webhook::Intake& intake_;
  store::Store& store_;
  std::unique_ptr<store::Repositories> data_;
  metrics::Metrics& metrics_;
  boost::asio::io_context& timers_;
  status_page::Handler status_page_;
};

}  // namespace calico
