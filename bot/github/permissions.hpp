// Who may run /publish, /cancel and /retry: users listed in github.allowed_users, and users whose
// permission on the repository is write or admin (GET /repos/{o}/{r}/collaborators/{u}/permission),
// that answer trusted for github.permission_cache.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "bot/github/client.hpp"
#include "config/config.hpp"

namespace calico::github {

struct Permission {
  bool allowed = false;
  std::string why;  // "listed in github.allowed_users", "admin on projectcalico/felix", "read on …"
};

class PermissionChecker {
 public:
  // `client` may be null (GitHub not configured): then only the allow-list counts.
  PermissionChecker(const config::GitHubConfig& config, Client* client);

  // Throws http::ClientError (or std::runtime_error for an answer of the wrong shape) when GitHub
  // could not be asked; the caller tries again later.
  Permission may_write(const std::string& repository, const std::string& login);

 private:
  const config::GitHubConfig& config_;
  Client* client_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::pair<Permission, std::chrono::steady_clock::time_point>> cache_;
};

}  // namespace calico::github
