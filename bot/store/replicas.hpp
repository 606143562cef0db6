// The replicas serving one store, and what each holds: every `serve` registers at start, beats
// its heart while it runs, and says when it stops. A running build belongs to one replica until
// its lease ends; the heartbeat renews the leases of what the replica still runs, so the builds of
// a replica that died are taken over by another once their leases run out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/store/database.hpp"

namespace calico::store {

struct Replica {
  std::string id;
  std::string host;
  std::int64_t pid = 0;
  std::string version;
  std::string started_at;
  std::string heartbeat_at;
  std::optional<std::string> stopped_at;
  std::vector<std::int64_t> builds;  // running builds it holds
};

// Who holds a claim, and until when (ISO 8601).
struct Lease {
  std::string owner;
  std::string until;
};

void register_replica(Database& db, const Replica& replica);
// The replica is alive at `now`: its heartbeat and the leases of its running builds are renewed
// to `lease.until`. Returns the running builds it still holds.
std::vector<std::int64_t> beat(Database& db, const Lease& lease, const std::string& now);
// A graceful stop: marked stopped, and its running builds released for another replica (or its
// own next start) to take over at once.
void stop_replica(Database& db, const std::string& id, const std::string& now);
// Newest start first, with the running builds each holds.
std::vector<Replica> replicas(Database& db);
// Where one process has the store to itself, the owners of running builds before it are gone:
// their leases end now.
void release_leases_of_others(Database& db, const std::string& id);

}  // namespace calico::store
