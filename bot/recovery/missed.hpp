// Reading what GitHub says about deliveries and comments the bot may have missed, and deciding
// what to recover. No I/O: bot/recovery/recovery does the asking.
//
// A hook's deliveries (GET …/hooks/{id}/deliveries, newest first) list every attempt: the first
// one and each redelivery, all with the same GUID. A delivery is missed when no attempt reached
// the bot (no 2xx) and GitHub could not connect or the bot was failing (0, 408, 429, 5xx): a 4xx
// is the bot refusing it on purpose (a bad signature), which another attempt would not change.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace calico::recovery {

// A listing GitHub sent that does not have the documented shape.
class MalformedListing : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DeliveryAttempt {
  std::int64_t id = 0;
  std::string guid;
  int status_code = 0;  // 0: GitHub could not connect, or gave up waiting
  std::string status;   // GitHub's words: "OK", "Invalid HTTP Response: 503", "failed to connect"
  std::string delivered_at;
  bool redelivery = false;
  std::string event;
  std::string action;
};

// Throws MalformedListing.
std::vector<DeliveryAttempt> parse_delivery_attempts(std::string_view json);

struct MissedDelivery {
  std::string guid;
  std::int64_t latest_attempt = 0;  // the attempt to ask GitHub to send again
  std::string event;
  std::string action;
  std::string first_delivered_at;
  int attempts = 0;
  std::string last_status;
};

// Whether another attempt could succeed where this answer failed.
bool retryable(int status_code);

// The deliveries of `attempts` that never reached the bot, oldest first, for events `wanted`
// says the bot acts on.
std::vector<MissedDelivery> missed_deliveries(const std::vector<DeliveryAttempt>& attempts,
                                              const std::function<bool(std::string_view event)>& wanted);

// An issue comment as GET /repos/{o}/{r}/issues/comments lists it.
struct ListedComment {
  std::int64_t id = 0;
  std::int64_t issue_number = 0;
  bool on_pull_request = false;  // html_url …/pull/N#…; an issue's is …/issues/N#…
  std::string body;
  std::string author;
  std::string author_type;       // User | Bot | Organization
  std::string created_at;
  std::optional<std::int64_t> app_id;  // performed_via_github_app.id
  std::string raw;               // the comment object as GitHub sent it
};

// Throws MalformedListing.
std::vector<ListedComment> parse_listed_comments(std::string_view json);

// The issue_comment `created` payload GitHub would have delivered for `comment`, for the same
// decoder and handlers as a webhook.
std::string comment_event_payload(const std::string& repository, const ListedComment& comment);

// The store's GUID for a comment found by re-reading (never one GitHub would send).
std::string recovered_comment_guid(std::int64_t comment_id);

}  // namespace calico::recovery
