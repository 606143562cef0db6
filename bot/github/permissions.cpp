#include "bot/github/permissions.hpp"

#include <algorithm>
#include <regex>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace calico::github {

namespace json = boost::json;

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

PermissionChecker::PermissionChecker(const config::GitHubConfig& config, Client* client) : config_(config), client_(client) {}

Permission PermissionChecker::may_write(const std::string& repository, const std::string& login) {
  for (const std::string& user : config_.allowed_users) {
    if (lower(user) == lower(login)) return {true, "listed in github.allowed_users"};
  }
  // The login goes into a URL path: GitHub's own shape only (webhook payloads are not trusted).
  static const std::regex login_shape("[A-Za-z0-9](-?[A-Za-z0-9]){0,38}");
  if (!std::regex_match(login, login_shape)) return {false, "\"" + login.substr(0, 40) + "\" is not a GitHub login"};
  if (!client_) return {false, "not in github.allowed_users, and GitHub cannot be asked (no credentials configured)"};
  const auto key = std::make_pair(lower(repository), lower(login));
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (auto found = cache_.find(key); found != cache_.end() && now < found->second.second) return found->second.first;
  }
  const http::ClientResponse response = client_->call("GET", "/repos/" + repository + "/collaborators/" + login + "/permission");
  Permission answer;
  if (response.status == 404) {
    answer = {false, login + " is not a collaborator on " + repository};
  } else if (response.status != 200) {
    throw std::runtime_error("GitHub answered HTTP " + std::to_string(response.status) + " when asked for " + login +
                             "'s permission on " + repository);
  } else {
    const json::value parsed = json::parse(response.body);
    const std::string permission(parsed.at("permission").as_string());
    answer = {permission == "admin" || permission == "write", permission + " on " + repository};
  }
  std::lock_guard lock(mutex_);
  cache_[key] = {answer, now + config_.permission_cache};
  return answer;
}

}  // namespace calico::github
