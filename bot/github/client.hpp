// The GitHub REST client: API root from config (github.com, GitHub Enterprise, or the tests'
// fake), the headers GitHub asks for (User-Agent, Accept: application/vnd.github+json,
// X-GitHub-Api-Version), a kept-alive connection, timeouts, and a token or GitHub App
// authentication. Blocking: for worker threads (the outbox sender, the command runner).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "bot/github/governor.hpp"
#include "bot/http/client.hpp"
#include "config/config.hpp"
#include "config/secret.hpp"

namespace calico::github {

// What goes in the Authorization header.
class Credentials {
 public:
  virtual ~Credentials() = default;
  virtual std::string authorization() = 0;
  // GitHub answered 401: drop whatever is cached so the next call fetches afresh.
  virtual void invalidate() {}
  virtual std::string describe() const = 0;  // for logs: never the secret
};

// A personal access token or an installation token given by the operator.
class TokenCredentials : public Credentials {
 public:
  explicit TokenCredentials(config::Secret token) : token_(std::move(token)) {}
  std::string authorization() override { return "Bearer " + std::string(token_.reveal()); }
  std::string describe() const override { return "token"; }

 private:
  config::Secret token_;
};

// A GitHub App: a JWT (app_jwt.hpp) traded for an installation token, cached until five minutes
// before GitHub says it expires. When GitHub refuses the key, it is not asked again for a while
// (a minute, doubling up to an hour): a wrong key does not cost a token request per call.
class AppCredentials : public Credentials {
 public:
  AppCredentials(std::string api_root, std::string app_id, std::string installation_id, config::Secret private_key,
                 http::Client& http);
  std::string authorization() override;
  void invalidate() override;
  std::string describe() const override { return "GitHub App " + app_id_ + " installation " + installation_id_; }
  // How many installation tokens were fetched (tests of the cache).
  int tokens_fetched() const;

 private:
  std::string api_root_;
  std::string app_id_;
  std::string installation_id_;
  config::Secret private_key_;
  http::Client& http_;
  mutable std::mutex mutex_;
  std::optional<config::Secret> token_;
  std::chrono::system_clock::time_point refresh_after_{};
  int fetched_ = 0;
  // After GitHub refused the key: no token request before refused_until_.
  std::string refusal_;
  std::chrono::seconds refusal_wait_{0};
  std::chrono::system_clock::time_point refused_until_{};
};

// The App itself rather than one installation: a fresh JWT on every call, for the /app endpoints
// (the App's webhook deliveries).
class AppJwtCredentials : public Credentials {
 public:
  AppJwtCredentials(std::string app_id, config::Secret private_key)
      : app_id_(std::move(app_id)), private_key_(std::move(private_key)) {}
  std::string authorization() override;
  std::string describe() const override { return "GitHub App " + app_id_ + " (JWT)"; }

 private:
  std::string app_id_;
  config::Secret private_key_;
};

// The headers every GitHub request carries (besides Authorization).
std::vector<std::pair<std::string, std::string>> api_headers();

class Client {
 public:
  // `attempts`: 1 for writes the outbox retries itself; more for reads.
  // `credentials` may be shared by several clients (one App installation token serves them all).
  Client(const config::GitHubConfig& config, std::shared_ptr<Credentials> credentials, int attempts);

  // METHOD api_root + path, with `body` as JSON when given. Any status comes back; throws
  // http::ClientError when no answer could be had, RateLimitedError (one) while the credential's
  // governor pauses requests. A 401 refreshes App credentials and tries once more.
  http::ClientResponse call(const std::string& method, const std::string& path, const std::string& body = {});

  // The credential's rate-limit governor, shared with its other clients (may be null).
  void set_governor(std::shared_ptr<Governor> governor) { governor_ = std::move(governor); }
  Governor* governor() const { return governor_.get(); }

  // The path of the next page a listing's Link header names, or "" at the end. Only a link on
  // the same API root is followed: a Link header must not send the token elsewhere.
  std::string next_page(const http::ClientResponse& response) const;

  const std::string& api_root() const { return api_root_; }
  std::size_t connections_opened() const { return http_.connections_opened(); }

 private:
  std::string api_root_;
  http::Client http_;
  std::shared_ptr<Credentials> credentials_;
  std::shared_ptr<Governor> governor_;
};

// The credentials the configuration asks for, or nullptr when none are configured. `token_http`
// carries App token requests (it must outlive them). Throws config::ConfigError for an
// unreadable secret.
std::shared_ptr<Credentials> make_credentials(const config::Config& config, http::Client& token_http);

// The App's own credentials, or nullptr when the bot does not run as a GitHub App.
std::shared_ptr<Credentials> make_app_jwt_credentials(const config::Config& config);

// A client using `credentials`, or nullptr when there are none (GitHub not configured).
std::unique_ptr<Client> make_client(const config::GitHubConfig& config, std::shared_ptr<Credentials> credentials, int attempts,
                                    std::shared_ptr<Governor> governor = nullptr);

http::ClientSettings client_settings(const config::GitHubConfig& config, int attempts);

// "<https://…?page=2>; rel=\"next\", <…>; rel=\"last\"" → the next page's URL, or "".
std::string next_page_url(const std::string& link_header);

}  // namespace calico::github
