// The GitHub writes the bot makes, as outbox messages: which endpoint, which body, and the dedupe
// key that keeps each one from being sent twice. Building them is pure; bot/github/outbox_sender
// sends them. Shapes follow GitHub's REST API (2022-11-28).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bot/store/outbox.hpp"

namespace calico::github {

// A decoded outbox payload.
struct Request {
  std::string method;
  std::string path;  // from the API root: "/repos/o/r/statuses/abc"
  std::string body;  // JSON text
};

// POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions {"content": "eyes"}
store::OutboxMessage reaction_message(const std::string& repository, std::int64_t comment_id, const std::string& content);

// POST /repos/{owner}/{repo}/issues/{number}/comments {"body": …}. The body ends with a hidden
// marker carrying the dedupe key, so that after a crash the sender can see whether a comment it
// may have posted is already there.
store::OutboxMessage comment_message(const std::string& repository, std::int64_t issue_number, const std::string& body,
                                     const std::string& dedupe_key);

// The one comment per pull request and build that holds its live report: posted once, then
// edited in place (PATCH /repos/{owner}/{repo}/issues/comments/{id}); the sender keeps the
// comment's id under the summary key "summary:<repository>#<issue>:build-<id>", which is also
// its hidden marker. The dedupe key adds a digest of the body: each new content is one message,
// and an unsent older one is superseded by it.
store::OutboxMessage summary_message(const std::string& repository, std::int64_t issue_number, std::int64_t build_id,
                                     const std::string& body);

// A build's check run on a commit (GitHub Apps only): POST /repos/{owner}/{repo}/check-runs with
// `name`, `head_sha`, `status` (in_progress, or completed with `conclusion`), `details_url`, and
// `output` {title, summary}; then edited in place like a summary, under the key
// "check:<repository>:<sha>:build-<id>", which is also its `external_id` (how it is found again
// after a crash: GET …/commits/{sha}/check-runs).
struct CheckRun {
  std::string name;        // the status context: "calico-release-bot/calico-3.4"
  std::string status;      // in_progress | completed
  std::string conclusion;  // when completed: success, failure, cancelled, neutral
  std::string title;
  std::string summary;     // Markdown: the verdict and the matrix
  std::string details_url;
};
store::OutboxMessage check_run_message(const std::string& repository, const std::string& sha, std::int64_t build_id,
                                       const CheckRun& check);

// A publication of a build to a target as a GitHub deployment of a commit to the environment
// ("ppa:project-calico/calico-3.4", "rpm:calico-3.4"): created once (POST …/deployments with
// `ref` the commit, `auto_merge` false, `required_contexts` empty — the bot's own pending status
// must not hold it back — and `payload.key` "deployment:<repository>:<sha>:<environment>:build-<id>",
// how it is found again after a crash: GET …/deployments?sha&environment), then each state a
// status (POST …/deployments/{id}/statuses: in_progress, success with `environment_url`,
// failure with `log_url`). A newer success makes GitHub mark the environment's older deployments
// inactive (`auto_inactive`).
struct DeploymentState {
  std::string environment;
  std::string state;            // in_progress | success | failure | error
  std::string description;
  std::string log_url;          // the build page, or the failed job's or Launchpad build's log
  std::string environment_url;  // where it is live: the PPA, the RPM repository
};
store::OutboxMessage deployment_message(const std::string& repository, const std::string& sha, std::int64_t build_id,
                                        const DeploymentState& state);
// The status a deployment message sends once its deployment exists.
Request deployment_status_request(const std::string& payload, std::int64_t deployment_id);

// How a message edited in place (summary, check) edits what its first send created: PATCH of the
// comment or check run `id`, with the same body (less what GitHub does not let change).
Request edit_request(const Request& created, std::int64_t id);
// owner/name from an API path "/repos/owner/name/…".
std::string repository_of_path(const std::string& path);

// POST /repos/{owner}/{repo}/statuses/{sha} {"state", "target_url", "description", "context"}.
// state: pending, success, failure, error. The description is cut to GitHub's 140 characters.
// `dedupe_key` must start with "status:<repository>:<sha>:<context>:": the message replaces any
// unsent older status of that commit and context (they would overwrite it if retried later).
store::OutboxMessage status_message(const std::string& repository, const std::string& sha, const std::string& state,
                                    const std::string& context, const std::string& description,
                                    const std::string& target_url, const std::string& dedupe_key);

// The marker comment_message appends: "<!-- calico-release-bot:KEY -->".
std::string comment_marker(std::string_view dedupe_key);

Request decode_payload(const std::string& payload);

// Cuts `text` to at most `limit` characters (not bytes: GitHub counts characters), ending with
// "…" when cut, never inside a UTF-8 sequence.
std::string truncate_characters(std::string_view text, std::size_t limit);

}  // namespace calico::github
