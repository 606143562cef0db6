#include "bot/store/retention.hpp"

namespace calico::store {

Pruned prune_settled_before(Database& db, const std::string& cutoff) {
  Pruned pruned;
  // A GUID must outlive GitHub's redelivery window (days) for the dedupe to hold: the
  // configuration keeps retention above it.
  Statement deliveries = db.prepare(
      "DELETE FROM deliveries WHERE processed_at IS NOT NULL AND processed_at < ?1 "
      "AND NOT EXISTS (SELECT 1 FROM build_requests WHERE build_requests.delivery = deliveries.guid)");
  deliveries.bind(1, cutoff);
  deliveries.run();
  pruned.deliveries = static_cast<int>(db.changes());
  // A superseded row names the newer row that replaced it: that row stays while a row naming it
  // stays (the foreign key), which only an edge of the cutoff can cause.
  Statement outbox = db.prepare(
      "DELETE FROM outbox WHERE created_at < ?1 "
      "AND (delivered_at IS NOT NULL OR abandoned_at IS NOT NULL OR superseded_by IS NOT NULL) "
      "AND NOT EXISTS (SELECT 1 FROM outbox AS superseded WHERE superseded.superseded_by = outbox.id "
      "AND superseded.created_at >= ?1)");
  outbox.bind(1, cutoff);
  outbox.run();
  pruned.outbox = static_cast<int>(db.changes());
  Statement recovered = db.prepare("DELETE FROM recovered WHERE last_at < ?1");
  recovered.bind(1, cutoff);
  recovered.run();
  pruned.recovered = static_cast<int>(db.changes());
  // A summary comment or check run not edited since: its build settled long ago. Were it edited
  // again, the sender finds it by its marker or external_id as after a crash.
  Statement edited = db.prepare("DELETE FROM edited_resources WHERE updated_at < ?1");
  edited.bind(1, cutoff);
  edited.run();
  pruned.edited = static_cast<int>(db.changes());
  // Every start is a new replica: without this, each restart (and each crash) stays listed.
  Statement replicas = db.prepare(
      "DELETE FROM replicas WHERE heartbeat_at < ?1 AND coalesce(stopped_at, heartbeat_at) < ?1 "
      "AND NOT EXISTS (SELECT 1 FROM builds WHERE builds.owner = replicas.id AND builds.state = 'running')");
  replicas.bind(1, cutoff);
  replicas.run();
  pruned.replicas = static_cast<int>(db.changes());
  return pruned;
}

}  // namespace calico::store
