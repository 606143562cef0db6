#include "bot/store/tag_changes.hpp"

namespace calico::store {

ReleaseRequests release_requests(Database& db, const std::string& target_repo, const std::string& version) {
  ReleaseRequests found;
  Statement latest = db.prepare(
      "SELECT id FROM builds WHERE target_repo = ?1 AND version = ?2 AND started_at IS NOT NULL ORDER BY id DESC LIMIT 1");
  latest.bind(1, target_repo).bind(2, version);
  if (latest.step()) found.latest_build = latest.column_int(0);
  Statement pending = db.prepare(
      "SELECT trigger_commit FROM build_requests WHERE target_repo = ?1 AND version = ?2 AND state = 'pending' "
      "ORDER BY trigger_commit IS NULL, id LIMIT 1");
  pending.bind(1, target_repo).bind(2, version);
  if (pending.step()) {
    found.pending = true;
    found.trigger_commit = pending.column_optional_text(0).value_or("");
  }
  return found;
}

int withdraw_release_requests(Database& db, const std::string& target_repo, const std::string& version, bool forget_trigger,
                              const std::string& now) {
  Statement withdraw = db.prepare(
      "UPDATE build_requests SET state = 'cancelled', updated_at = ?3 WHERE target_repo = ?1 AND version = ?2 "
      "AND state = 'pending'");
  withdraw.bind(1, target_repo).bind(2, version).bind(3, now);
  withdraw.run();
  const int withdrawn = static_cast<int>(db.changes());
  if (forget_trigger) {
    Statement forget = db.prepare("DELETE FROM release_triggers WHERE target_repo = ?1 AND version = ?2");
    forget.bind(1, target_repo).bind(2, version);
    forget.run();
  }
  return withdrawn;
}

}  // namespace calico::store
