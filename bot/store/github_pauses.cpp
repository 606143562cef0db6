#include "bot/store/github_pauses.hpp"

namespace calico::store {

std::optional<GitHubPause> find_github_pause(Database& db, const std::string& credential) {
  Statement query = db.prepare("SELECT paused_until, reason, strikes FROM github_pauses WHERE credential = ?1");
  query.bind(1, credential);
  if (!query.step()) return std::nullopt;
  return GitHubPause{query.column_text(0), query.column_text(1), static_cast<int>(query.column_int(2))};
}

void save_github_pause(Database& db, const std::string& credential, const GitHubPause& pause) {
  Statement upsert = db.prepare(
      "INSERT INTO github_pauses (credential, paused_until, reason, strikes) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (credential) DO UPDATE SET paused_until = ?2, reason = ?3, strikes = ?4");
  upsert.bind(1, credential).bind(2, pause.paused_until).bind(3, pause.reason).bind(4, std::int64_t{pause.strikes});
  upsert.run();
}

}  // namespace calico::store
