#include "bot/github/outbox_sender.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "bot/github/messages.hpp"
#include "bot/github/rate_limit.hpp"
#include "bot/log/log.hpp"
#include "bot/util/time_format.hpp"

namespace calico::github {

namespace json = boost::json;

namespace {

constexpr int kBatch = 50;
constexpr int kMaxCommentPages = 30;  // 3000 comments: beyond any pull request we report on
// Rows that are not due yet are looked at again this often (and at once when something is queued).
constexpr auto kIdleWake = std::chrono::seconds(2);

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

OutboxSender::OutboxSender(store::Store& store, const config::GitHubConfig& config, Client* client)
    : store_(store), config_(config), client_(client), own_account_(config, client), worker_("github.outbox", kIdleWake, [this] { send_due(); }) {}

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
  if (std::chrono::steady_clock::now() < paused_until_) return 0;
  std::size_t delivered = 0;
  const auto rows = store_.call([](store::Database& db) { return store::due_outbox(db, util::utc_now_iso8601(), kBatch); });
  for (const store::OutboxRow& row : rows) {
    const Sent sent = send(row);
    if (sent == Sent::delivered) ++delivered;
    if (sent == Sent::paused) break;  // every other row would meet the same limit
  }
  return delivered;
}

std::optional<OutboxSender::Found> OutboxSender::find_own_comment(const std::string& marker_key, const std::string& path) {
  const std::string marker = comment_marker(marker_key);
  std::string page = path + "?per_page=100";
  for (int pages = 0; pages < kMaxCommentPages && !page.empty(); ++pages) {
    const http::ClientResponse response = client_->call("GET", page);
    if (response.status != 200) throw http::ClientError("listing comments answered HTTP " + std::to_string(response.status));
    const json::value parsed = json::parse(response.body);
    for (const json::value& comment : parsed.as_array()) {
      const json::string* body = comment.as_object().at("body").if_string();
      // The marker is predictable: only a comment the bot wrote counts, or anyone could quote
      // it and suppress the real comment.
      if (body && std::string_view(*body).find(marker) != std::string_view::npos && own_account_.wrote(comment.as_object())) {
        const json::value* url = comment.as_object().if_contains("html_url");
        const json::value* id = comment.as_object().if_contains("id");
        return Found{url && url->is_string() ? std::string(url->as_string()) : std::string("found"),
                     id && id->is_int64() ? id->as_int64() : 0};
      }
    }
    page = client_->next_page(response);
  }
  return std::nullopt;
}

OutboxSender::Sent OutboxSender::send(const store::OutboxRow& row) {
  Request request = decode_payload(row.message.payload);
  auto retry = [&](const std::string& error, std::chrono::seconds wait) {
    const std::string next = util::iso8601(util::system_now() + wait);
    store_.call([&](store::Database& db) { store::mark_outbox_retry(db, row.id, next, error); });
    log::warn("github.outbox_retry", {{"id", row.id}, {"path", request.path}, {"error", error}, {"next_attempt_at", next}});
  };
  auto backoff = [&] {
    auto wait = config_.retry_first;
    for (int i = 0; i < row.attempts && wait < config_.retry_max; ++i) wait *= 2;
    return std::min(wait, config_.retry_max);
  };
  try {
    // A summary is one comment per pull request and build: edited once it exists (found by its
    // marker when the store does not know it: posted just before a crash).
    const bool summary = row.message.kind == "summary";
    const std::string summary_key = summary ? row.message.dedupe_key.substr(0, row.message.dedupe_key.rfind(':')) : "";
    if (summary) {
      std::optional<std::int64_t> id = store_.call([&](store::Database& db) { return store::summary_comment(db, summary_key); });
      if (!id) {
        if (auto found = find_own_comment(summary_key, request.path); found && found->id > 0) {
          id = found->id;
          store_.call([&](store::Database& db) { store::remember_summary_comment(db, summary_key, *id); });
        }
      }
      if (id) {
        const std::string repository = summary_key.substr(8, summary_key.find('#') - 8);
        request = summary_edit(repository, *id, request.body);
      }
    }
    if (row.attempts > 0 && row.message.kind == "comment") {
      if (auto posted = find_own_comment(row.message.dedupe_key, request.path)) {
        store_.call([&](store::Database& db) { store::mark_outbox_delivered(db, row.id, posted->url); });
        log::info("github.outbox_found", {{"id", row.id}, {"path", request.path}, {"result", posted->url}});
        return Sent::delivered;
      }
    }
    store_.call([&](store::Database& db) { store::mark_outbox_attempt(db, row.id); });
    if (request.method != "GET" && !worker_.sleep_until(last_write_ + config_.write_interval)) return Sent::retry;
    last_write_ = std::chrono::steady_clock::now();
    const http::ClientResponse response = client_->call(request.method, request.path, request.body);
    if (response.status >= 200 && response.status < 300) {
      const std::string result = result_of(response);
      const std::int64_t created = summary && request.method == "POST" ? id_of(response) : 0;
      store_.call([&](store::Database& db) {
        if (created > 0) store::remember_summary_comment(db, summary_key, created);
        store::mark_outbox_delivered(db, row.id, result);
      });
      log::info("github.sent", {{"id", row.id}, {"kind", row.message.kind}, {"path", request.path}, {"attempt", row.attempts + 1}});
      return Sent::delivered;
    }
    if (auto limited = rate_limited(response, util::system_now())) {
      paused_until_ = std::chrono::steady_clock::now() + limited->wait;
      retry(limited->reason, limited->wait);
      return Sent::paused;
    }
    if (summary && request.method == "PATCH" && response.status == 404) {
      // Someone deleted the summary: it is posted anew on the next attempt.
      store_.call([&](store::Database& db) { store::forget_summary_comment(db, summary_key); });
      retry("the summary comment is gone; posting it again", std::chrono::seconds(0));
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
      paused_until_ = std::chrono::steady_clock::now() + wait;
      retry("HTTP 401: GitHub refused the bot's credentials; writes paused", wait);
      log::error("github.unauthorized", {{"path", request.path}, {"pause_seconds", wait.count()},
                                         {"action", "check secrets.github_token or the App's key; messages wait in the outbox"}});
      return Sent::paused;
    }
    const std::string error = "HTTP " + std::to_string(response.status) + ": " + response.body.substr(0, 300);
    store_.call([&](store::Database& db) { store::mark_outbox_abandoned(db, row.id, error); });
    log::error("github.outbox_abandoned", {{"id", row.id}, {"path", request.path}, {"error", error}});
    return Sent::abandoned;
  } catch (const std::exception& e) {
    // No answer (connection refused, timeout) or a broken listing: the fate is unknown; try later.
    retry(e.what(), backoff());
    return Sent::retry;
  }
}

}  // namespace calico::github
