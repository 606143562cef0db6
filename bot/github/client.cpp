#include "bot/github/client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "bot/github/app_jwt.hpp"
#include "bot/log/log.hpp"
#include "bot/util/time_format.hpp"

namespace calico::github {

namespace json = boost::json;

std::vector<std::pair<std::string, std::string>> api_headers() {
  return {{"Accept", "application/vnd.github+json"}, {"X-GitHub-Api-Version", "2022-11-28"}};
}

http::ClientSettings client_settings(const config::GitHubConfig& config, int attempts) {
  http::ClientSettings settings;
  settings.user_agent = "calico-release-bot";
  settings.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout);
  settings.attempts = attempts;
  settings.min_interval = std::chrono::milliseconds(0);  // the outbox spaces writes itself
  return settings;
}

AppCredentials::AppCredentials(std::string api_root, std::string app_id, std::string installation_id,
                               config::Secret private_key, http::Client& http)
    : api_root_(std::move(api_root)),
      app_id_(std::move(app_id)),
      installation_id_(std::move(installation_id)),
      private_key_(std::move(private_key)),
      http_(http) {}

std::string AppCredentials::authorization() {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::system_clock::now();
  if (token_ && now < refresh_after_) return "Bearer " + std::string(token_->reveal());
  // A key GitHub refused (revoked, or the wrong App) is not tried on every request: the refusal
  // stands until its wait is over, growing from a minute to an hour.
  if (now < refused_until_) {
    throw AuthError(refusal_ + "; not asked again until " +
                    util::iso8601(std::chrono::time_point_cast<std::chrono::seconds>(refused_until_)));
  }
  const std::string jwt =
      make_app_jwt(app_id_, private_key_.reveal(), std::chrono::time_point_cast<std::chrono::seconds>(now));
  auto headers = api_headers();
  headers.emplace_back("Authorization", "Bearer " + jwt);
  headers.emplace_back("Content-Type", "application/json");
  const std::string url = api_root_ + "/app/installations/" + installation_id_ + "/access_tokens";
  const http::ClientResponse response = http_.request("POST", url, headers, "{}");
  if (response.status != 201) {
    refusal_ = "GitHub refused an installation token for " + describe() + ": HTTP " + std::to_string(response.status) + " " +
               response.body.substr(0, 200);
    if (response.status < 500) {
      refusal_wait_ = std::min<std::chrono::seconds>(refusal_wait_.count() == 0 ? std::chrono::seconds(60) : refusal_wait_ * 2,
                                                     std::chrono::hours(1));
      refused_until_ = now + refusal_wait_;
      log::error("github.app_refused", {{"app", app_id_}, {"installation", installation_id_}, {"status", response.status},
                                        {"retry_in_seconds", refusal_wait_.count()},
                                        {"action", "check github.app_id, github.installation_id and secrets.github_app_private_key"}});
    }
    throw AuthError(refusal_);
  }
  refusal_wait_ = std::chrono::seconds(0);
  std::string token;
  std::optional<std::chrono::sys_seconds> expires;
  try {
    const json::value parsed = json::parse(response.body);
    token = std::string(parsed.at("token").as_string());
    expires = util::parse_iso8601(std::string(parsed.at("expires_at").as_string()));
  } catch (const std::exception& e) {
    throw AuthError("GitHub's installation token answer for " + describe() + " is not {token, expires_at}: " + e.what());
  }
  if (token.empty() || !expires) throw AuthError("GitHub's installation token answer for " + describe() + " is incomplete");
  token_.emplace(std::move(token));
  refresh_after_ = *expires - std::chrono::minutes(5);
  ++fetched_;
  log::info("github.installation_token", {{"app", app_id_}, {"installation", installation_id_},
                                          {"expires_at", util::iso8601(*expires)}});
  return "Bearer " + std::string(token_->reveal());
}

void AppCredentials::invalidate() {
  std::lock_guard lock(mutex_);
  token_.reset();
}

int AppCredentials::tokens_fetched() const {
  std::lock_guard lock(mutex_);
  return fetched_;
}

std::string AppJwtCredentials::authorization() {
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  return "Bearer " + make_app_jwt(app_id_, private_key_.reveal(), now);
}

namespace {
constexpr int kMaxRedirects = 5;
}  // namespace

Client::Client(const config::GitHubConfig& config, std::shared_ptr<Credentials> credentials, int attempts)
    : api_root_(config.api_root), http_(client_settings(config, attempts)), credentials_(std::move(credentials)) {}

http::ClientResponse Client::call(const std::string& method, const std::string& path, const std::string& body) {
  std::string target = path;
  int redirects = 0;
  for (int round = 0;; ++round) {
    if (governor_) governor_->check();
    auto headers = api_headers();
    headers.emplace_back("Authorization", credentials_->authorization());
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    http::ClientResponse response = http_.request(method, api_root_ + target, headers, body);
    if (governor_) governor_->observe(response);
    // A renamed or transferred repository: GitHub answers a GET with 301 (302: temporary) and
    // any other method with 307/308, which keep the method and body. Followed on the same API
    // root only: the token goes nowhere else.
    const bool keeps_method = response.status == 307 || response.status == 308;
    const bool redirect = keeps_method || ((response.status == 301 || response.status == 302) && method == "GET");
    if (redirect && redirects < kMaxRedirects) {
      const std::string location = response.header("location");
      if (location.starts_with(api_root_ + "/")) {
        log::info("github.redirected", {{"from", target}, {"to", location.substr(api_root_.size())}, {"status", response.status}});
        target = location.substr(api_root_.size());
        ++redirects;
        --round;  // a redirect is not a credentials round
        continue;
      }
      log::warn("github.redirect_refused", {{"from", target}, {"location", location.substr(0, 200)}});
      return response;
    }
    if (response.status != 401 || round > 0) return response;
    log::warn("github.unauthorized", {{"credentials", credentials_->describe()}, {"path", target}});
    credentials_->invalidate();
  }
}

std::string next_page_url(const std::string& link_header) {
  // Entries are separated by commas; each is "<url>; rel=\"name\"".
  std::size_t at = 0;
  while (at < link_header.size()) {
    const auto open = link_header.find('<', at);
    const auto close = link_header.find('>', open == std::string::npos ? at : open);
    if (open == std::string::npos || close == std::string::npos) break;
    const auto end = std::min(link_header.find(',', close), link_header.size());
    const std::string_view params(link_header.data() + close + 1, end - close - 1);
    if (params.find("rel=\"next\"") != std::string_view::npos) return link_header.substr(open + 1, close - open - 1);
    at = end + 1;
  }
  return {};
}

std::string Client::next_page(const http::ClientResponse& response) const {
  const std::string next = next_page_url(response.header("link"));
  return next.starts_with(api_root_ + "/") ? next.substr(api_root_.size()) : std::string();
}

std::shared_ptr<Credentials> make_credentials(const config::Config& config, http::Client& token_http) {
  const config::SecretsConfig& secrets = config.secrets;
  if (secrets.github_token.configured()) {
    return std::make_shared<TokenCredentials>(config::load_secret(secrets.github_token, "secrets.github_token"));
  }
  if (secrets.github_app_private_key.configured()) {
    return std::make_shared<AppCredentials>(
        config.github.api_root, config.github.app_id, config.github.installation_id,
        config::load_secret(secrets.github_app_private_key, "secrets.github_app_private_key"), token_http);
  }
  return nullptr;
}

std::shared_ptr<Credentials> make_app_jwt_credentials(const config::Config& config) {
  if (config.secrets.github_token.configured() || !config.secrets.github_app_private_key.configured()) return nullptr;
  return std::make_shared<AppJwtCredentials>(
      config.github.app_id, config::load_secret(config.secrets.github_app_private_key, "secrets.github_app_private_key"));
}

std::unique_ptr<Client> make_client(const config::GitHubConfig& config, std::shared_ptr<Credentials> credentials, int attempts,
                                    std::shared_ptr<Governor> governor) {
  if (!credentials) return nullptr;
  auto client = std::make_unique<Client>(config, std::move(credentials), attempts);
  client->set_governor(std::move(governor));
  return client;
}

}  // namespace calico::github
