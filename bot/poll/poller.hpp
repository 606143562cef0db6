// The pollers: `ls-remote` (libgit2, nothing cloned) of every configured repository on its own
// interval, with jitter and with backoff on errors. What changed since the last poll becomes the
// same events webhooks bring (pushes of branches and tags) and goes through the same handlers, so
// a tag seen by both triggers one build; the refs seen and the handlers' results are stored in
// one transaction. GitHub sends no event when more than three tags are pushed at once and never
// retries a failed delivery: this is the safety net.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <map>
#include <random>
#include <vector>

#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"
#include "bot/util/worker.hpp"
#include "config/config.hpp"
#include "handlers/events.hpp"
#include "handlers/registry.hpp"

namespace calico::poll {

struct RefChange {
  std::string ref;     // full: refs/heads/master, refs/tags/v3.4.1
  std::string before;  // empty: the ref is new
  std::string after;   // empty: the ref was deleted
  bool operator==(const RefChange&) const = default;
};

// Changes from `before` to `after`, in ref order.
std::vector<RefChange> diff_refs(const std::map<std::string, std::string>& before,
                                 const std::map<std::string, std::string>& after);

// The push event a webhook would have brought for this change.
handlers::PushEvent push_event_for(const std::string& repository, const RefChange& change);

struct PollReport {
  bool baseline = false;  // first poll of this repository: refs recorded, nothing triggered
  std::vector<RefChange> changes;
  std::string outcome;
};

class Poller {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // `clock`: what the schedule takes as now (the steady clock when empty).
  Poller(store::Store& store, const config::Config& config, const handlers::Registry& registry, Clock clock = {});
  ~Poller();

  // One poll of one repository. Throws builders::git::GitError when the remote cannot be reached.
  PollReport poll(const config::RepositoryConfig& repository);

  // Called after a poll queued or marked something (the dispatcher looks for work then).
  void on_change(std::function<void()> callback) { on_change_ = std::move(callback); }

  // One pass: polls every repository with a poll interval whose time has come (each on its own
  // schedule, ±10 % jitter, doubling back-off after a failure up to an hour). Returns how many.
  std::size_t poll_due();

  // A background worker making a pass every second until stop().
  void start() { worker_.start(); }
  void stop() { worker_.stop(); }

 private:
  struct Schedule {
    std::chrono::steady_clock::time_point next;
    std::chrono::seconds backoff{0};
  };

  store::Store& store_;
  std::unique_ptr<store::Repositories> data_;
  const config::Config& config_;
  const handlers::Registry& registry_;
  Clock clock_;
  std::function<void()> on_change_;
  std::map<std::string, Schedule> schedule_;  // by owner/name; the worker's only
  std::mt19937 random_{std::random_device{}()};
  util::Worker worker_;
};

}  // namespace calico::poll
