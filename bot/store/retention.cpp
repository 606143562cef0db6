#include "bot/store/retention.hpp"

namespace calico::store {

namespace {

// Runs one DELETE whose ?1 is the cutoff; how many rows it removed.
int delete_before(Database& db, const char* sql, const std::string& cutoff) {
  Statement statement = db.prepare(sql);
  statement.bind(1, cutoff);
  statement.run();
  return static_cast<int>(db.changes());
}

}  // namespace

Pruned prune_settled_before(Database& db, const std::string& cutoff) {
  Pruned pruned;
  // A GUID must outlive GitHub's redelivery window (days) for the dedupe to hold: the
  // configuration keeps retention above it.
  pruned.deliveries = delete_before(
      db,
      "DELETE FROM deliveries WHERE processed_at IS NOT NULL AND processed_at < ?1 "
      "AND NOT EXISTS (SELECT 1 FROM build_requests WHERE build_requests.delivery = deliveries.guid)",
      cutoff);
  // A superseded row names the newer row that replaced it: that row stays while a row naming it
  // stays (the foreign key), which only an edge of the cutoff can cause.
  pruned.outbox = delete_before(
      db,
      "DELETE FROM outbox WHERE created_at < ?1 "
      "AND (delivered_at IS NOT NULL OR abandoned_at IS NOT NULL OR superseded_by IS NOT NULL) "
      "AND NOT EXISTS (SELECT 1 FROM outbox AS superseded WHERE superseded.superseded_by = outbox.id "
      "AND superseded.created_at >= ?1)",
      cutoff);
  pruned.recovered = delete_before(db, "DELETE FROM recovered WHERE last_at < ?1", cutoff);
  // A summary comment or check run not edited since: its build settled long ago. Were it edited
  // again, the sender finds it by its marker or external_id as after a crash.
  pruned.edited = delete_before(db, "DELETE FROM edited_resources WHERE updated_at < ?1", cutoff);
  // Every start is a new replica: without this, each restart (and each crash) stays listed.
  pruned.replicas = delete_before(
      db,
      "DELETE FROM replicas WHERE heartbeat_at < ?1 AND coalesce(stopped_at, heartbeat_at) < ?1 "
      "AND NOT EXISTS (SELECT 1 FROM builds WHERE builds.owner = replicas.id AND builds.state = 'running')",
      cutoff);
  return pruned;
}

}  // namespace calico::store
