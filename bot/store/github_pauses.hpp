// A GitHub credential's rate-limit pause as github::Governor keeps it across restarts.
#pragma once

#include <optional>
#include <string>

#include "bot/store/database.hpp"

namespace calico::store {

struct GitHubPause {
  std::string paused_until;  // ISO 8601
  std::string reason;
  int strikes = 0;
};

std::optional<GitHubPause> find_github_pause(Database& db, const std::string& credential);
void save_github_pause(Database& db, const std::string& credential, const GitHubPause& pause);

}  // namespace calico::store
