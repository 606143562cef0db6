#include "bot/github/outbox_sender.hpp"

#include <algorithm>
#include <functional>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "bot/github/messages.hpp"
#include "bot/github/rate_limit.hpp"
#include "bot/http/message.hpp"
#include "bot/log/log.hpp"
#include "bot/util/time_format.hpp"

namespace calico::github {

namespace json = boost::json;

namespace {

constexpr int kBatch = 50;
constexpr int kMaxCommentPages = 30;  // 3000 comments: beyond any pull request we report on
// Rows that are not due yet are looked at again this often (and at once when something is queued).
constexpr auto kSenderIdleWake = std::chrono::seconds(2);

std::string result_of(const http::ClientResponse& response) {
  try {
    const json::value parsed = json::parse(response.body);
    if (const json::object* object = parsed.if_object()) {
      for (const char* key : {"html_url", "url"}) {
        if (const json::value* value = object->if_contains(key); value && value->is_string()) return std::string(value->as_string());
      }
    }
  } catch (const std::exception&) {
  }
  return "HTTP " + std::to_string(response.status);
}

std::int64_t id_of(const http::ClientResponse& response) {
  try {
    const json::value parsed = json::parse(response.body);
    if (const json::value* id = parsed.is_object() ? parsed.as_object().if_contains("id") : nullptr; id && id->is_int64()) {
      return id->as_int64();
    }
  } catch (const std::exception&) {
  }
  return 0;
}

}  // namespace

OutboxSender::OutboxSender(store::Store& store, const config::GitHubConfig& config, Client* client, Clock clock)
    : store_(store),
      data_(store::stored_repositories(store)),
      config_(config),
      client_(client),
      own_account_(config, client),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })),
      worker_("github.outbox", kSenderIdleWake, [this] { send_due(); }) {}

OutboxSender::~OutboxSender() { stop(); }

void OutboxSender::start() {
  if (!client_) {
    log::info("github.outbox_idle", {{"reason", "no GitHub credentials configured; messages stay in the outbox"}});
    return;
  }
  worker_.start();
}

std::size_t OutboxSender::send_due() {
  if (!client_) return 0;
  // During a rate-limit pause nothing goes out; the rows wait in order for the next pass.
  if (clock_() < paused_until_) return 0;
  std::size_t delivered = 0;
  const auto rows = data_->outbox().due(util::iso8601(clock_()), kBatch);
  for (const store::OutboxEntry& row : rows) {
    // One replica sends each message: the others pass over it while its lease lasts.
    const auto now = clock_();
    const bool mine = data_->outbox().claim(row.id, store_.lease(now), util::iso8601(now));
    if (!mine) continue;
    const Sent sent = send(row);
    if (sent == Sent::delivered) ++delivered;
    if (sent == Sent::paused) break;  // every other row would meet the same limit
  }
  return delivered;
}

namespace {

// The first item of a paged GitHub listing (at most kMaxCommentPages pages, from `page`) that
// `match` accepts; `items` picks the list out of a page ("" for the page itself, else the key
// holding it). Throws http::ClientError naming `what` when a page is not the listing.
std::optional<json::object> find_listed(Client& client, std::string page, const std::string& what, const char* items,
                                        const std::function<bool(const json::object&)>& match) {
  for (int pages = 0; pages < kMaxCommentPages && !page.empty(); ++pages) {
    const http::ClientResponse response = client.call("GET", page);
    if (response.status != 200) throw http::ClientError("listing " + what + " answered HTTP " + std::to_string(response.status));
    const json::value parsed = json::parse(response.body);
    const json::value* list = *items ? (parsed.is_object() ? parsed.as_object().if_contains(items) : nullptr) : &parsed;
    if (!list || !list->is_array()) throw http::ClientError("listing " + what + " answered something other than a list");
    for (const json::value& item : list->as_array()) {
      if (item.is_object() && match(item.as_object())) return item.as_object();
    }
    page = client.next_page(response);
  }
  return std::nullopt;
}

std::optional<std::int64_t> int64_of(const json::object& object, const char* key) {
  const json::value* value = object.if_contains(key);
  return value && value->is_int64() ? std::optional(value->as_int64()) : std::nullopt;
}

bool string_is(const json::value* value, std::string_view text) { return value && value->is_string() && value->as_string() == text; }

}  // namespace

std::optional<OutboxSender::Found> OutboxSender::find_own_comment(const std::string& marker_key, const std::string& path) {
  const std::string marker = comment_marker(marker_key);
  const auto comment = find_listed(*client_, path + "?per_page=100", "comments", "", [&](const json::object& item) {
    // "body" is not promised by GitHub's schema: a comment without one is not ours.
    const json::value* body_value = item.if_contains("body");
    const json::string* body = body_value ? body_value->if_string() : nullptr;
    // The marker is predictable: only a comment the bot wrote counts, or anyone could quote it
    // and suppress the real comment.
    return body && std::string_view(*body).find(marker) != std::string_view::npos && own_account_.wrote(item);
  });
  if (!comment) return std::nullopt;
  const json::value* url = comment->if_contains("html_url");
  return Found{url && url->is_string() ? std::string(url->as_string()) : std::string("found"), int64_of(*comment, "id").value_or(0)};
}

std::optional<std::int64_t> OutboxSender::find_edited(store::MessageKind kind, const std::string& edit_key,
                                                      const Request& created) {
  if (kind == store::MessageKind::summary) {
    const auto found = find_own_comment(edit_key, created.path);
    return found && found->id > 0 ? std::optional(found->id) : std::nullopt;
  }
  const json::value body = json::parse(created.body);
  std::optional<json::object> found;
  if (kind == store::MessageKind::deployment) {
    // The deployments of the commit to the environment, the one whose payload carries the key.
    const std::string page = created.path + "?sha=" + http::percent_encode(std::string(body.at("ref").as_string())) +
                             "&environment=" + http::percent_encode(std::string(body.at("environment").as_string())) + "&per_page=100";
    found = find_listed(*client_, page, "deployments", "", [&](const json::object& deployment) {
      const json::value* payload = deployment.if_contains("payload");
      return payload && payload->is_object() && string_is(payload->as_object().if_contains("key"), edit_key) &&
             int64_of(deployment, "id");
    });
  } else {
    // A check run: the App's runs of that name on the commit, the one whose external_id is the key.
    const std::string sha(body.at("head_sha").as_string());
    const std::string name(body.at("name").as_string());
    const std::string page = "/repos/" + repository_of_path(created.path) + "/commits/" + sha + "/check-runs?check_name=" +
                             http::percent_encode(name) + "&per_page=100";
    found = find_listed(*client_, page, "check runs", "check_runs", [&](const json::object& run) {
      return string_is(run.if_contains("external_id"), edit_key);
    });
  }
  if (!found) return std::nullopt;
  return found->at("id").to_number<std::int64_t>();
}

OutboxSender::Sent OutboxSender::send(const store::OutboxEntry& row) {
  Request request = decode_payload(row.message.payload);
  auto retry = [&](const std::string& error, std::chrono::seconds wait) {
    const std::string next = util::iso8601(clock_() + wait);
    data_->outbox().retry(row.id, next, error);
    log::warn("github.outbox_retry", {{"id", row.id}, {"path", request.path}, {"error", error}, {"next_attempt_at", next}});
  };
  // Every write waits as long as this row: the rows behind it would meet the same answer.
  auto pause = [&](const std::string& error, std::chrono::seconds wait) {
    paused_until_ = clock_() + wait;
    retry(error, wait);
    return Sent::paused;
  };
  auto backoff = [&] {
    auto wait = config_.retry_first;
    for (int i = 0; i < row.attempts && wait < config_.retry_max; ++i) wait *= 2;
    return std::min(wait, config_.retry_max);
  };
  try {
    // A summary comment or a check run is created once and then edited: its id is in the store,
    // or (created just before a crash) found on GitHub by its marker or external_id.
    const bool edited = store::edited_in_place(row.message.kind);
    const std::string edit_key = edited ? row.message.dedupe_key.substr(0, row.message.dedupe_key.rfind(':')) : "";
    if (edited) {
      std::optional<std::int64_t> id = data_->outbox().edited_resource(edit_key);
      if (!id) {
        id = find_edited(row.message.kind, edit_key, request);
        if (id) data_->outbox().remember_edited_resource(edit_key, *id);
      }
      if (id) {
        request = row.message.kind == store::MessageKind::deployment ? deployment_status_request(row.message.payload, *id)
                                                                      : edit_request(request, *id);
      }
    }
    if (row.attempts > 0 && row.message.kind == store::MessageKind::comment) {
      if (auto posted = find_own_comment(row.message.dedupe_key, request.path)) {
        data_->outbox().delivered(row.id, posted->url);
        log::info("github.outbox_found", {{"id", row.id}, {"path", request.path}, {"result", posted->url}});
        return Sent::delivered;
      }
    }
    data_->outbox().attempt(row.id);
    if (request.method != "GET" && !worker_.sleep_until(last_write_ + config_.write_interval)) return Sent::retry;
    last_write_ = std::chrono::steady_clock::now();
    http::ClientResponse response = client_->call(request.method, request.path, request.body);
    if (row.message.kind == store::MessageKind::deployment && request.path.ends_with("/deployments") && response.status == 201) {
      // The deployment exists now (its id kept before anything else can fail); its status follows.
      const std::int64_t deployment = id_of(response);
      if (deployment <= 0) throw http::ClientError("creating a deployment answered no id");
      data_->outbox().remember_edited_resource(edit_key, deployment);
      request = deployment_status_request(row.message.payload, deployment);
      if (!worker_.sleep_until(std::chrono::steady_clock::now() + config_.write_interval)) return Sent::retry;
      last_write_ = std::chrono::steady_clock::now();
      response = client_->call(request.method, request.path, request.body);
    }
    if (response.status >= 200 && response.status < 300) {
      const std::string result = result_of(response);
      const std::int64_t created = edited && request.method == "POST" && row.message.kind != store::MessageKind::deployment ? id_of(response) : 0;
      store_.atomically([&] {
        if (created > 0) data_->outbox().remember_edited_resource(edit_key, created);
        data_->outbox().delivered(row.id, result);
      });
      log::info("github.sent", {{"id", row.id}, {"kind", store::to_string(row.message.kind)}, {"path", request.path}, {"attempt", row.attempts + 1}});
      return Sent::delivered;
    }
    const auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock_());
    if (auto limited = rate_limited(response, now)) {
      // The governor (when there is one) has the whole story: repeated limits wait longer.
      auto wait = limited->wait;
      if (client_->governor()) {
        if (const auto governed = client_->governor()->paused()) wait = std::max(wait, governed->until - now);
      }
      return pause(limited->reason, wait);
    }
    if (edited && response.status == 404 && (request.method == "PATCH" || request.path.ends_with("/statuses"))) {
      // Someone deleted the comment: it is posted anew on the next attempt.
      data_->outbox().forget_edited_resource(edit_key);
      retry("what this message edits is gone; creating it again", std::chrono::seconds(0));
      return Sent::retry;
    }
    if (response.status >= 500) {
      retry("HTTP " + std::to_string(response.status), backoff());
      return Sent::retry;
    }
    if (response.status == 401) {
      // The credentials are refused (revoked or expired token, wrong App key): every message
      // would meet the same answer. Nothing is given up; all writes pause, growing, until an
      // operator mends the secret (a restart reloads it).
      const auto wait = std::max(backoff(), std::chrono::seconds(config_.retry_first));
      const Sent paused = pause("HTTP 401: GitHub refused the bot's credentials; writes paused", wait);
      log::error("github.unauthorized", {{"path", request.path}, {"pause_seconds", wait.count()},
                                         {"action", "check secrets.github_token or the App's key; messages wait in the outbox"}});
      return paused;
    }
    const std::string error = "HTTP " + std::to_string(response.status) + ": " + response.body.substr(0, 300);
    data_->outbox().abandon(row.id, error);
    log::error("github.outbox_abandoned", {{"id", row.id}, {"path", request.path}, {"error", error}});
    return Sent::abandoned;
  } catch (const RateLimitedError& e) {
    // Nothing was sent: the credential is paused (a read met the limit, or a restart restored it).
    const auto wait = std::max(std::chrono::seconds(1),
                               e.until - std::chrono::time_point_cast<std::chrono::seconds>(clock_()));
    return pause(e.what(), wait);
  } catch (const std::exception& e) {
    // No answer (connection refused, timeout) or a broken listing: the fate is unknown; try later.
    retry(e.what(), backoff());
    return Sent::retry;
  }
}

}  // namespace calico::github
