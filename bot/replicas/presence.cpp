#include "bot/replicas/presence.hpp"

#include <unistd.h>

#include "bot/log/log.hpp"
#include "bot/util/time_format.hpp"

namespace calico::replicas {

Presence::Presence(store::Store& store, Clock clock)
    : store_(store),
      data_(store::stored_repositories(store)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); })),
      worker_("replica.heartbeat", std::chrono::duration_cast<std::chrono::milliseconds>(store.lease_duration()) / 3,
              [this] { beat(); }) {}

Presence::~Presence() { stop(); }

void Presence::start() {
  const std::string now = util::iso8601(clock_());
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  store::Replica self{store_.replica(), host, ::getpid(), CALICO_VERSION, now, now, std::nullopt, {}};
  data_->replicas().enter(self, !store_.shared());
  log::info("replica.started", {{"replica", self.id}, {"store", store_.describe()}, {"shared", store_.shared()},
                                {"lease_seconds", static_cast<long long>(store_.lease_duration().count())}});
  started_ = true;
  worker_.start();
}

void Presence::beat() {
  const auto now = clock_();
  data_->replicas().beat(store_.lease(now), util::iso8601(now));
}

void Presence::stop() {
  worker_.stop();
  if (!started_) return;
  started_ = false;
  try {
    data_->replicas().stop(store_.replica(), util::iso8601(clock_()));
    log::info("replica.stopped", {{"replica", store_.replica()}});
  } catch (const std::exception& e) {
    // Its leases run out instead: another replica takes its builds over a little later.
    log::warn("replica.stop_unrecorded", {{"replica", store_.replica()}, {"error", e.what()}});
  }
}

}  // namespace calico::replicas
