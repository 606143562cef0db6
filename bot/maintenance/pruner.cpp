#include "bot/maintenance/pruner.hpp"

#include "bot/log/log.hpp"
#include "bot/util/time_format.hpp"

namespace calico::maintenance {

Pruner::Pruner(store::Store& store, int retention_days, Clock clock)
    : store_(store),
      retention_days_(retention_days),
      clock_(clock ? std::move(clock) : Clock(util::system_now)),
      worker_("retention", std::chrono::hours(1), [this] {
        if (store_.leads("retention")) prune();  // one replica prunes
      }) {}

Pruner::~Pruner() { stop(); }

void Pruner::start() {
  if (retention_days_ > 0) worker_.start();
}

store::Pruned Pruner::prune() {
  if (retention_days_ <= 0) return {};
  const std::string cutoff = util::iso8601(clock_() - std::chrono::days(retention_days_));
  const store::Pruned pruned = store::stored_repositories(store_)->retention().prune_settled_before(cutoff);
  if (pruned.deliveries > 0 || pruned.outbox > 0 || pruned.recovered > 0 || pruned.edited > 0 || pruned.replicas > 0) {
    log::info("store.pruned", {{"before", cutoff}, {"deliveries", pruned.deliveries}, {"outbox", pruned.outbox},
                               {"recovered", pruned.recovered}, {"edited_resources", pruned.edited},
                               {"replicas", pruned.replicas}});
  }
  return pruned;
}

}  // namespace calico::maintenance
