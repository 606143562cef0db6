// A stand-in for GitHub's REST API on loopback, for the endpoints the bot uses, with the real
// shapes: reactions, issue comments (paged with a Link header), commit statuses, collaborator
// permission, pull requests, and App installation tokens (the JWT checked with the App's public
// key). Every request is recorded; a request missing GitHub's required headers, or with a body
// GitHub would refuse, is answered as GitHub would (401/415/422) and noted in problems().
// Deployments and their statuses (see GitHubDeployment).
// Check runs: created and edited by a GitHub App only (a token is refused, as GitHub does), and
// listed per commit.
// Webhooks: hooks on a repository or on the App deliver every new comment (issue_comment) to
// their URL, signed, as GitHub does, and keep each attempt (status_code 0 when nothing answered)
// in a delivery list that can be read and redelivered through the API (by a token, or by the
// App's JWT) unless hook reads are denied, as for a token without admin:repo_hook.
// It can answer 5xx, a secondary rate limit (403 + retry-after), a used-up primary limit
// (403 + x-ratelimit-remaining: 0), or be slow.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bot/http/message.hpp"

namespace calico::testkit {

class LoopbackServer;

struct GitHubRequest {
  std::string method;
  std::string path;    // without the query
  std::string query;
  std::string body;
  int status = 0;      // what the fake answered
};

struct GitHubComment {
  std::int64_t id = 0;
  std::string repository;
  std::int64_t issue_number = 0;
  std::string body;
  std::string author = "someone";  // user.login: the token's account, or "<app>[bot]" for an App
  std::string app_id = {};         // performed_via_github_app.id when an App wrote it
  std::string created_at = {};     // set by the fake
  int edits = 0;                   // PATCHes of its body
};

struct GitHubHookDelivery {
  std::int64_t id = 0;
  std::int64_t hook_id = 0;
  std::string guid;
  std::string event;
  std::string action;
  int status_code = 0;  // 0: could not connect
  std::string status;
  std::string delivered_at;
  bool redelivery = false;
};

struct GitHubCheckRun {
  std::int64_t id = 0;
  std::string repository;
  std::string head_sha;
  std::string name;
  std::string status;
  std::string conclusion;
  std::string external_id;
  std::string title;
  std::string summary;
  std::string details_url;
  int updates = 0;  // PATCHes
};

// A deployment and its statuses, newest last, as GitHub keeps them. Deployments: created with a
// ref (a commit's sha here), an environment and a payload; refused (409) while the commit's
// statuses are not all success unless required_contexts is given (empty: none required); a
// status's state one of error, failure, inactive, in_progress, queued, pending, success; a
// success (auto_inactive, default true) marks every older non-transient, non-production deployment
// of the repository to the same environment whose last status is success inactive, as GitHub
// does; listed newest first,
// filtered by sha and environment and paged.
struct GitHubDeploymentStatus {
  std::string state;
  std::string description;
  std::string log_url;
  std::string environment_url;
};
struct GitHubDeployment {
  std::int64_t id = 0;
  std::string repository;
  std::string sha;
  std::string environment;
  std::string payload;      // JSON text
  bool transient = false;
  bool production = false;  // GitHub's default: true only for an environment named "production"
  std::vector<GitHubDeploymentStatus> statuses;
  std::string state() const { return statuses.empty() ? "" : statuses.back().state; }
};

struct GitHubStatus {
  std::string repository;
  std::string sha;
  std::string state;
  std::string context;
  std::string description;
  std::string target_url;
};

struct GitHubReaction {
  std::string repository;
  std::int64_t comment_id = 0;
  std::string content;
};

class FakeGitHub {
 public:
  FakeGitHub();
  ~FakeGitHub();

  std::string api_root() const;  // "http://127.0.0.1:<port>"

  // Authentication: a token the bot may use, and/or an App whose JWTs are checked against the
  // public key and traded for installation tokens living `token_lifetime`.
  // `login`: the account the token belongs to (GET /user answers it, type User, as for a personal
  // access token); an App installation token has none (GET /user is 403 for it).
  void accept_token(const std::string& token, const std::string& login = "calico-release-bot-account");
  void set_app(const std::string& app_id, const std::string& installation_id, const std::string& public_key_pem,
               std::chrono::seconds token_lifetime = std::chrono::hours(1));
  int installation_tokens_issued() const;

  // Repository state.
  void set_permission(const std::string& repository, const std::string& login, const std::string& permission);
  void set_pull(const std::string& repository, std::int64_t number, const std::string& head_sha);
  // `from` (owner/name) was renamed to `to`: GitHub answers requests for it with the new location,
  // 301 for a GET and 307 for other methods, as it does for a renamed or transferred repository.
  void move_repository(const std::string& from, const std::string& to);
  // A comment someone else wrote (`author`; `app_id`: written by that App).
  void add_comment(const std::string& repository, std::int64_t issue_number, const std::string& body,
                   const std::string& author = "someone", const std::string& app_id = "");
  void set_comments_page_size(int size);
  // Someone deletes a comment (a later PATCH of it is 404).
  void delete_comment(std::int64_t id);
  // A person's new comment: stored, and delivered to every hook that covers the repository.
  // Returns its id.
  std::int64_t post_comment(const std::string& repository, std::int64_t issue_number, const std::string& body,
                            const std::string& author = "someone");

  // Webhooks. A repository's hook (its id), or the App's own one (repository ""), delivering to
  // `url` signed with `secret`.
  std::int64_t add_hook(const std::string& repository, const std::string& url, const std::string& secret);
  // Hooks and their deliveries cannot be read (404 for a token, 403 for the App).
  void deny_hook_reads();
  // Every delivery attempt, oldest first.
  std::vector<GitHubHookDelivery> hook_deliveries() const;

  // Failures: the next `count` requests (any) get `status` (5xx).
  void fail_next(int count, int status = 502);
  // Rate limits, in force from now: every request is refused until the limit lifts, and a request
  // after the first refused one is a problem (GitHub may ban an integration that keeps asking).
  // A secondary limit: 403 with retry-after, or (nullopt) without saying how long (a minute).
  void secondary_limit(std::optional<int> retry_after_seconds);
  // The primary limit used up: 403 with x-ratelimit-remaining 0 until x-ratelimit-reset.
  void primary_limit(std::chrono::seconds resets_in);
  // What the fake takes as now for its limits (the system clock unless set; tests that move the
  // bot's clock move this one with it).
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  void set_clock(Clock clock);
  void delay_answers(std::chrono::milliseconds delay);

  std::vector<GitHubRequest> requests() const;
  std::vector<GitHubComment> comments() const;
  std::vector<GitHubStatus> statuses() const;
  // What a commit shows: the newest status of each context.
  std::map<std::string, GitHubStatus> latest_statuses(const std::string& repository, const std::string& sha) const;
  // GitHub's cap on statuses per commit and context (1000); tests may lower it.
  void set_status_limit(long limit);
  std::vector<GitHubReaction> reactions() const;
  std::vector<GitHubCheckRun> check_runs() const;
  std::vector<GitHubDeployment> deployments() const;
  // Requests that broke GitHub's documented rules (missing headers, bad bodies): should stay empty.
  std::vector<std::string> problems() const;
  // The problems so far, forgotten (for a test that provokes one on purpose).
  std::vector<std::string> take_problems();

 private:
  class Handler;
  std::unique_ptr<Handler> handler_;
  std::unique_ptr<LoopbackServer> server_;
  std::string api_root_;
};

// Test keys: an RSA key pair in PEM (generated once per process with OpenSSL).
struct RsaKeyPair {
  std::string private_pem;
  std::string public_pem;
};
const RsaKeyPair& test_rsa_key();
RsaKeyPair generate_rsa_key();

// Verifies an RS256 JWT with a public key; returns its claims JSON, or "" when the signature or
// shape is wrong.
std::string verify_jwt(const std::string& jwt, const std::string& public_key_pem);

}  // namespace calico::testkit
