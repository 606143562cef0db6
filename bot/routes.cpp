#include "bot/routes.hpp"

#include <atomic>
#include <memory>

#include <boost/asio/steady_timer.hpp>

#include <boost/json/serialize.hpp>

#include "bot/status_page/render.hpp"

namespace calico {

namespace {
constexpr auto kStoreWait = std::chrono::seconds(2);

http::Response method_not_allowed(std::string_view allowed) {
  http::Response response = http::json_error(405, "refused", "method not allowed; use " + std::string(allowed));
  response.headers.emplace_back("Allow", std::string(allowed));
  return response;
}
}  // namespace

Routes::Routes(std::string webhook_path, webhook::Intake& intake, store::Store& store, metrics::Metrics& metrics,
               boost::asio::io_context& timers)
    : webhook_path_(std::move(webhook_path)),
      intake_(intake),
      store_(store),
      data_(store::stored_repositories(store)),
      metrics_(metrics),
      timers_(timers),
      status_page_(store) {}

std::string_view Routes::route_label(std::string_view path) const {
  if (path == webhook_path_) return "webhook";
  if (path == "/healthz") return "healthz";
  if (path == "/metrics") return "metrics";
  if (path.starts_with("/api/")) return "api";
  if (path == "/" || path.starts_with("/builds/")) return "status";
  return "other";
}

void Routes::handle(http::Request request, http::Respond respond) {
  const std::string_view path = request.path();
  if (path == webhook_path_) {
    if (request.method != "POST") return respond(method_not_allowed("POST"));
    return intake_.handle(std::move(request), std::move(respond));
  }
  if (path == "/healthz" || path == "/metrics") {
    if (request.method != "GET" && request.method != "HEAD") return respond(method_not_allowed("GET"));
    // Both read the store, on its thread: healthy means the store answers — within
    // kStoreWait; a store busy for longer (a long write, a lock held elsewhere) is a 503 then,
    // not a hung probe.
    struct Health {
      std::int64_t pending_builds = 0;
      std::int64_t outbox_backlog = 0;
      store::RecoverySummary recovery;
    };
    auto health = std::make_shared<Health>();
    const bool metrics = path == "/metrics";
    auto answered = std::make_shared<std::atomic<bool>>(false);
    auto once = [answered, respond = std::move(respond)](http::Response response) {
      if (!answered->exchange(true)) respond(std::move(response));
    };
    auto timer = std::make_shared<boost::asio::steady_timer>(timers_, kStoreWait);
    timer->async_wait([once, timer](const boost::system::error_code& error) {
      if (!error) once(http::json_error(503, "unavailable", "the store did not answer within 2 s (busy)"));
    });
    store_.atomically_then([this, health, metrics] {
                  health->pending_builds = data_->queue().pending();
                  health->outbox_backlog = data_->outbox().backlog();
                  if (!metrics) health->recovery = data_->recovery().summary();
                },
                [this, health, metrics, once, timer](std::exception_ptr error) {
                  timer->cancel();
                  if (metrics) {
                    http::Response response = http::text_response(
                        200, metrics_.render(error ? -1 : health->pending_builds, error ? -1 : health->outbox_backlog));
                    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
                    return once(std::move(response));
                  }
                  if (error) return once(http::json_error(503, "unavailable", "store unavailable"));
                  // Reads answer on a full disk; acknowledgements would not. Say so.
                  if (const store::Store::WriteHealth writes = store_.write_health(); !writes.ok) {
                    return once(http::json_error(503, "unavailable", "the store cannot write: " + writes.error));
                  }
                  const boost::json::object body{{"status", "ok"},
                                                 {"pending_builds", health->pending_builds},
                                                 {"outbox_backlog", health->outbox_backlog},
                                                 {"recovery", status_page::recovery_object(health->recovery)}};
                  once(http::json_response(200, boost::json::serialize(body) + "\n"));
                });
    return;
  }
  if (status_page_.handle(request, respond)) return;
  respond(http::json_error(404, "refused", "not found"));
}

}  // namespace calico
