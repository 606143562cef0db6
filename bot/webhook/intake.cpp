#include "bot/webhook/intake.hpp"

#include <algorithm>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "bot/log/log.hpp"
#include "bot/store/repositories.hpp"
#include "bot/util/time_format.hpp"
#include "bot/webhook/body.hpp"
#include "bot/webhook/decode_event.hpp"
#include "bot/webhook/signature.hpp"

namespace calico::webhook {

namespace {

http::Response answer(int status, std::string_view state, std::string_view detail, std::string_view guid = {}) {
  boost::json::object body;
  body["status"] = state;
  if (!detail.empty()) body["detail"] = detail;
  if (!guid.empty()) body["delivery"] = guid;
  return http::json_response(status, boost::json::serialize(body) + "\n");
}

// The answer to nearly every delivery, written directly (the GUID is checked to be [A-Za-z0-9-]:
// nothing to escape) instead of through a JSON object: it is made thousands of times a second.
http::Response recorded_answer(std::string_view guid) {
  return http::json_response(202, "{\"status\":\"recorded\",\"delivery\":\"" + std::string(guid) + "\"}\n");
}

// (Plain loops, not std::regex: these run for every delivery.)
bool valid_guid(std::string_view guid) {
  return !guid.empty() && guid.size() <= 100 && std::all_of(guid.begin(), guid.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// GitHub's event names: lower case, digits and underscores (projects_v2_item, …).
bool valid_event_name(std::string_view event) {
  return !event.empty() && event.size() <= 64 && std::all_of(event.begin(), event.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// X-GitHub-Hook-ID and the kind of place the hook is installed on, when both look as GitHub
// sends them: recovery will list that hook's deliveries.
std::optional<store::HookSource> hook_of(const http::Request& request, const std::string& repository) {
  const std::string id(request.header("x-github-hook-id").value_or(""));
  const std::string_view type = request.header("x-github-hook-installation-target-type").value_or("");
  const bool digits = std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (id.empty() || id.size() > 18 || id[0] == '0' || !digits) return std::nullopt;
  store::HookSource hook{std::stoll(id), std::string(type), ""};
  if (type == "repository") {
    if (repository.empty()) return std::nullopt;
    hook.target = repository;
  } else if (type == "organization") {
    if (repository.find('/') == std::string::npos) return std::nullopt;
    hook.target = repository.substr(0, repository.find('/'));
  } else if (type != "integration") {
    return std::nullopt;
  }
  return hook;
}

}  // namespace

std::string_view event_label(std::string_view event) {
  for (std::string_view known : {"push", "create", "delete", "release", "issue_comment", "ping"}) {
    if (event == known) return known;
  }
  return "other";
}

Intake::Intake(std::vector<config::Secret> secrets, store::Store& store, metrics::Metrics& metrics,
               std::function<void()> on_recorded, const DeliveryProcessor* processor)
    : secrets_(std::move(secrets)),
      store_(store),
      data_(store::stored_repositories(store)),
      metrics_(metrics),
      on_recorded_(std::move(on_recorded)),
      processor_(processor) {}

void Intake::handle(http::Request request, http::Respond respond) {
  const std::string_view event = request.header("x-github-event").value_or("");
  const std::string_view guid = request.header("x-github-delivery").value_or("");
  const std::string_view label = event_label(event);
  auto refuse = [&](int status, std::string_view outcome, const std::string& detail) {
    metrics_.count_delivery(label, outcome);
    log::info("webhook.refused", {{"delivery", guid.substr(0, 100)}, {"github_event", label}, {"status", status},
                                  {"reason", detail}, {"remote", request.remote}});
    respond(answer(status, "refused", detail, valid_guid(guid) ? guid : std::string_view()));
  };

  // The signature first: nothing that depends on the body or on what the headers say is looked
  // at for a request GitHub did not sign (a tampered copy is a 401 whatever else is wrong).
  const std::optional<std::string_view> signature = request.header("x-hub-signature-256");
  if (!signature) return refuse(401, "bad_signature", "missing X-Hub-Signature-256 header");
  if (!verify_signature(*signature, request.body, secrets_)) {
    return refuse(401, "bad_signature", "X-Hub-Signature-256 does not match the body");
  }
  if (!valid_event_name(event)) return refuse(400, "bad_headers", "missing or invalid X-GitHub-Event header");
  if (!valid_guid(guid)) return refuse(400, "bad_headers", "missing or invalid X-GitHub-Delivery header");
  const std::optional<BodyKind> kind = classify_content_type(request.header("content-type").value_or(""));
  if (!kind) {
    return refuse(415, "bad_content_type",
                  "Content-Type must be application/json or application/x-www-form-urlencoded");
  }

  std::string payload;
  try {
    payload = extract_json_payload(*kind, request.body);
  } catch (const MalformedBody& error) {
    return refuse(400, "malformed", error.what());
  }
  DecodeOutcome decoded = decode_event(event, payload);
  if (const auto* malformed = std::get_if<Malformed>(&decoded)) return refuse(400, "malformed", malformed->reason);
  if (const auto* ignored = std::get_if<Ignored>(&decoded)) {
    metrics_.count_delivery(label, "ignored");
    log::info("webhook.ignored", {{"delivery", guid}, {"github_event", event}, {"reason", ignored->reason}});
    return respond(answer(200, "ignored", ignored->reason, guid));
  }
  auto& accepted = std::get<Decoded>(decoded);
  if (std::holds_alternative<handlers::PingEvent>(accepted.event)) {
    metrics_.count_delivery(label, "ping");
    log::info("webhook.ping", {{"delivery", guid}, {"hook", std::get<handlers::PingEvent>(accepted.event).hook_id}});
    return respond(answer(200, "pong", std::get<handlers::PingEvent>(accepted.event).zen, guid));
  }

  auto delivery = std::make_shared<store::Delivery>();
  delivery->guid = std::string(guid);
  delivery->event = std::string(event);
  delivery->action = std::move(accepted.action);
  delivery->repository = std::move(accepted.repository);
  delivery->payload = std::move(payload);
  delivery->received_at = util::utc_now_iso8601();
  delivery->hook = hook_of(request, delivery->repository);
  // Handlers are pure: they run here, on the I/O thread, on the event just decoded.
  std::shared_ptr<const DeliveryProcessor::Handled> handled =
      processor_ ? processor_->handle_decoded(std::move(accepted)) : nullptr;
  auto recorded = std::make_shared<DeliveryProcessor::Recorded>();
  store_.atomically_then(
      [this, delivery, handled, recorded] {
        *recorded = processor_ ? processor_->record_handled(handled.get(), *delivery)
                               : DeliveryProcessor::Recorded{data_->deliveries().record(*delivery), false};
      },
      [this, delivery, handled, recorded, respond = std::move(respond)](std::exception_ptr error) {
        const std::string_view label = event_label(delivery->event);
        if (error) {
          std::string reason = "unknown error";
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& e) {
            reason = e.what();
          }
          metrics_.count_delivery(label, "store_failed");
          log::error("webhook.store_failed", {{"delivery", delivery->guid}, {"error", reason}});
          return respond(answer(503, "unavailable", "the delivery could not be stored; redeliver it", delivery->guid));
        }
        const bool duplicate = recorded->outcome == store::RecordOutcome::duplicate;
        metrics_.count_delivery(label, duplicate ? "duplicate" : "recorded");
        if (log::enabled(log::Level::info)) {  // the fields are copies: not made for nothing
          log::info("webhook.recorded", {{"delivery", delivery->guid}, {"github_event", delivery->event},
                                         {"repository", delivery->repository}, {"duplicate", duplicate}});
        }
        // Wake the processor first: by the time GitHub has its answer, processing is under way
        // (or, handled with its record, those who look for work are told).
        if (!duplicate && recorded->handled) {
          processor_->handled_elsewhere(*handled);
        } else if (!duplicate && on_recorded_) {
          on_recorded_();
        }
        respond(duplicate ? answer(202, "duplicate", "already recorded; processed once", delivery->guid)
                          : recorded_answer(delivery->guid));
      });
}

}  // namespace calico::webhook
