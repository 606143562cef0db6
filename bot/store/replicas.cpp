#include "bot/store/replicas.hpp"

#include <map>

namespace calico::store {

void register_replica(Database& db, const Replica& replica) {
  Statement insert = db.prepare(
      "INSERT INTO replicas (id, host, pid, version, started_at, heartbeat_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) "
      "ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL");
  insert.bind(1, replica.id).bind(2, replica.host).bind(3, replica.pid).bind(4, replica.version).bind(5, replica.started_at);
  insert.run();
}

std::vector<std::int64_t> beat(Database& db, const Lease& lease, const std::string& now) {
  Statement heart = db.prepare("UPDATE replicas SET heartbeat_at = ?2 WHERE id = ?1");
  heart.bind(1, lease.owner).bind(2, now);
  heart.run();
  Statement renew = db.prepare("UPDATE builds SET lease_until = ?2 WHERE owner = ?1 AND state = 'running' RETURNING id");
  renew.bind(1, lease.owner).bind(2, lease.until);
  std::vector<std::int64_t> held;
  while (renew.step()) held.push_back(renew.column_int(0));
  return held;
}

void stop_replica(Database& db, const std::string& id, const std::string& now) {
  Statement stop = db.prepare("UPDATE replicas SET stopped_at = ?2, heartbeat_at = ?2 WHERE id = ?1");
  stop.bind(1, id).bind(2, now);
  stop.run();
  Statement release = db.prepare("UPDATE builds SET lease_until = NULL WHERE owner = ?1 AND state = 'running'");
  release.bind(1, id);
  release.run();
}

std::vector<Replica> replicas(Database& db) {
  std::vector<Replica> out;
  std::map<std::string, std::size_t> index;
  Statement query = db.prepare(
      "SELECT id, host, pid, version, started_at, heartbeat_at, stopped_at FROM replicas ORDER BY started_at DESC, id");
  while (query.step()) {
    index[query.column_text(0)] = out.size();
    out.push_back({query.column_text(0), query.column_text(1), query.column_int(2), query.column_text(3), query.column_text(4),
                   query.column_text(5), query.column_optional_text(6), {}});
  }
  Statement held = db.prepare("SELECT owner, id FROM builds WHERE state = 'running' AND owner IS NOT NULL ORDER BY id");
  while (held.step()) {
    const auto found = index.find(held.column_text(0));
    if (found != index.end()) out[found->second].builds.push_back(held.column_int(1));
  }
  return out;
}

void release_leases_of_others(Database& db, const std::string& id) {
  Statement release = db.prepare(
      "UPDATE builds SET lease_until = NULL WHERE state = 'running' AND (owner IS NULL OR owner != ?1)");
  release.bind(1, id);
  release.run();
}

}  // namespace calico::store
