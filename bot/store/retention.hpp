// What the store forgets after [store] retention_days: deliveries already processed (their
// payloads are the bulk of the file) and outbox messages already settled (delivered, given up or
// superseded), and what missed-delivery recovery did. Nothing unfinished is touched, nor a delivery a build request still names.
#pragma once

#include <string>

#include "bot/store/database.hpp"

namespace calico::store {

struct Pruned {
  int deliveries = 0;
  int outbox = 0;
  int recovered = 0;
};

// Removes what settled before `cutoff` (ISO 8601, compared as text like every stored time).
Pruned prune_settled_before(Database& db, const std::string& cutoff);

}  // namespace calico::store
