#include "bot/recovery/missed.hpp"

#include <algorithm>
#include <map>
#include <regex>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace calico::recovery {

namespace json = boost::json;

namespace {

json::array parse_array(std::string_view text, std::string_view what) {
  boost::system::error_code error;
  json::value parsed = json::parse(text, error);
  if (error) throw MalformedListing(std::string(what) + " is not JSON: " + error.message());
  if (!parsed.is_array()) throw MalformedListing(std::string(what) + " is not a JSON array");
  return std::move(parsed.as_array());
}

const json::object& object_item(const json::value& item, std::string_view what) {
  if (!item.is_object()) throw MalformedListing(std::string(what) + ": an item is not an object");
  return item.as_object();
}

std::int64_t integer(const json::object& object, std::string_view key, std::string_view what) {
  const json::value* value = object.if_contains(key);
  if (value && value->is_int64()) return value->as_int64();
  if (value && value->is_uint64() && value->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(value->as_uint64());
  }
  throw MalformedListing(std::string(what) + ": \"" + std::string(key) + "\" is not an integer");
}

std::string text(const json::object& object, std::string_view key, std::string_view what, bool required = true) {
  const json::value* value = object.if_contains(key);
  if (value && value->is_string()) return std::string(value->as_string());
  if (!required && (!value || value->is_null())) return {};
  throw MalformedListing(std::string(what) + ": \"" + std::string(key) + "\" is not a string");
}

// GitHub's ids are positive: anything else is not GitHub's answer.
std::int64_t id_of(const json::object& object, std::string_view what) {
  const std::int64_t id = integer(object, "id", what);
  if (id <= 0) throw MalformedListing(std::string(what) + ": \"id\" is not a positive integer");
  return id;
}

}  // namespace

std::vector<DeliveryAttempt> parse_delivery_attempts(std::string_view body) {
  constexpr std::string_view what = "the hook's delivery list";
  std::vector<DeliveryAttempt> attempts;
  for (const json::value& item : parse_array(body, what)) {
    const json::object& object = object_item(item, what);
    DeliveryAttempt attempt;
    attempt.id = id_of(object, what);
    attempt.guid = text(object, "guid", what);
    attempt.status_code = static_cast<int>(std::clamp<std::int64_t>(integer(object, "status_code", what), 0, 999));
    attempt.status = text(object, "status", what, false);
    attempt.delivered_at = text(object, "delivered_at", what);
    const json::value* redelivery = object.if_contains("redelivery");
    attempt.redelivery = redelivery && redelivery->is_bool() && redelivery->as_bool();
    attempt.event = text(object, "event", what);
    attempt.action = text(object, "action", what, false);
    attempts.push_back(std::move(attempt));
  }
  return attempts;
}

bool retryable(int status_code) { return status_code == 0 || status_code == 408 || status_code == 429 || status_code >= 500; }

std::vector<MissedDelivery> missed_deliveries(const std::vector<DeliveryAttempt>& attempts,
                                              const std::function<bool(std::string_view)>& wanted) {
  struct Seen {
    MissedDelivery missed;
    bool reached = false;    // some attempt got a 2xx
    bool refused = false;    // the newest attempt's answer would not change on another
    std::optional<std::int64_t> newest;
  };
  std::map<std::string, Seen> by_guid;
  for (const DeliveryAttempt& attempt : attempts) {
    Seen& seen = by_guid[attempt.guid];
    if (seen.missed.attempts == 0) {
      seen.missed.guid = attempt.guid;
      seen.missed.event = attempt.event;
      seen.missed.action = attempt.action;
      seen.missed.first_delivered_at = attempt.delivered_at;
    }
    ++seen.missed.attempts;
    seen.reached |= attempt.status_code >= 200 && attempt.status_code < 300;
    seen.missed.first_delivered_at = std::min(seen.missed.first_delivered_at, attempt.delivered_at);
    if (!seen.newest || attempt.id > *seen.newest) {
      seen.newest = attempt.id;
      seen.missed.latest_attempt = attempt.id;
      seen.missed.last_status = attempt.status.empty() ? "HTTP " + std::to_string(attempt.status_code) : attempt.status;
      seen.refused = !retryable(attempt.status_code);
    }
  }
  std::vector<MissedDelivery> missed;
  for (auto& [guid, seen] : by_guid) {
    if (seen.reached || seen.refused || !wanted(seen.missed.event)) continue;
    missed.push_back(std::move(seen.missed));
  }
  std::sort(missed.begin(), missed.end(), [](const MissedDelivery& a, const MissedDelivery& b) {
    return std::tie(a.first_delivered_at, a.latest_attempt) < std::tie(b.first_delivered_at, b.latest_attempt);
  });
  return missed;
}

std::vector<ListedComment> parse_listed_comments(std::string_view body) {
  constexpr std::string_view what = "the repository's comment list";
  static const std::regex issue_number("/issues/([0-9]{1,18})$");
  std::vector<ListedComment> comments;
  for (const json::value& item : parse_array(body, what)) {
    const json::object& object = object_item(item, what);
    // GitHub's schema lets "user" be null (a deleted account, "ghost"): nobody can be checked
    // for permission, so the comment is skipped — never the whole page, or the cursor would
    // never move past it.
    const json::value* user = object.if_contains("user");
    if (user && user->is_null()) continue;
    ListedComment comment;
    comment.id = id_of(object, what);
    comment.body = text(object, "body", what, false);
    comment.created_at = text(object, "created_at", what);
    const std::string issue_url = text(object, "issue_url", what);
    std::smatch match;
    if (!std::regex_search(issue_url, match, issue_number)) {
      throw MalformedListing(std::string(what) + ": issue_url \"" + issue_url.substr(0, 200) + "\" names no issue");
    }
    comment.issue_number = std::stoll(match[1]);
    comment.on_pull_request = text(object, "html_url", what).find("/pull/") != std::string::npos;
    if (!user || !user->is_object()) throw MalformedListing(std::string(what) + ": a comment has no \"user\" object");
    comment.author = text(user->as_object(), "login", what);
    comment.author_type = text(user->as_object(), "type", what, false);
    const json::value* app = object.if_contains("performed_via_github_app");
    if (app && app->is_object()) comment.app_id = integer(app->as_object(), "id", what);
    comment.raw = json::serialize(object);
    comments.push_back(std::move(comment));
  }
  return comments;
}

std::string comment_event_payload(const std::string& repository, const ListedComment& comment) {
  json::object issue{{"number", comment.issue_number}};
  if (comment.on_pull_request) issue["pull_request"] = json::object{};
  json::value raw = json::parse(comment.raw);
  json::object payload{{"action", "created"},
                       {"issue", std::move(issue)},
                       {"comment", raw},
                       {"repository", json::object{{"full_name", repository}}},
                       {"sender", raw.as_object().at("user")}};
  return json::serialize(payload);
}

std::string recovered_comment_guid(std::int64_t comment_id) { return "recovered-comment-" + std::to_string(comment_id); }

}  // namespace calico::recovery
