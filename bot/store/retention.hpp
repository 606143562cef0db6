// What the store forgets after [store] retention_days: deliveries already processed (their
// payloads are the bulk of the file) and outbox messages already settled (delivered, given up or
// superseded), what missed-delivery recovery did, and which comment or check run was edited for a
// build, and the replicas gone since (stopped, or silent after a crash). Nothing unfinished is
// touched, nor a delivery a build request still names, nor a replica a running build still names.
#pragma once

#include <string>

#include "bot/store/database.hpp"

namespace calico::store {

struct Pruned {
  int deliveries = 0;
  int outbox = 0;
  int recovered = 0;
  int edited = 0;  // edited_resources: summary comments and check runs not edited since
  int replicas = 0;  // serve processes stopped, or whose last heartbeat came, before the cutoff
};

// Removes what settled before `cutoff` (ISO 8601, compared as text like every stored time).
Pruned prune_settled_before(Database& db, const std::string& cutoff);

}  // namespace calico::store
