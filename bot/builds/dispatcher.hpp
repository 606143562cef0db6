// Runs queued build requests: at most one build per target repository at a time, at most
// `max_concurrent_builds` in all, releases and commands before nightlies. Each build is a plan run
// (the same pipeline as `publish`) whose every job state is written to the store as it changes;
// builds a crash interrupted are resumed on start from their first unfinished job. A nightly
// schedule queues a master build when master changed since the last good one. When a build is due
// is decided by the rules in schedule.hpp (pure functions of time and stored facts); this class
// reads the facts, runs the builds (claim, run, resume, cancel) and writes what happened.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"
#include "bot/util/worker.hpp"
#include "builders/exec/process.hpp"
#include "config/config.hpp"

namespace calico::builds {

class Dispatcher {
 public:
  using Clock = std::function<std::chrono::sys_seconds()>;
  // `clock`: what the scheduling rules and the tag wait take as now (the system clock when empty).
  Dispatcher(store::Store& store, const config::Config& config, Clock clock = {});
  ~Dispatcher();

  // Resumes interrupted builds, then runs requests as they come, until stop().
  void start();
  void stop();
  // A request was queued: look now rather than at the next tick.
  void notify();

  // Claims and runs one request to completion on the calling thread; false if none may start.
  bool run_next();
  // Runs (to completion) every build left running by an earlier process: on a store this process
  // has to itself, all of them; on a shared one, those whose replica's lease ran out or was released.
  std::size_t resume_interrupted();
  // Takes over and runs one such build; false if there is none.
  bool take_over_next();
  // Cancels a running build: its commands are stopped, its state becomes cancelled. (stop()
  // stops running builds too, but leaves them to be resumed at the next start.)
  bool cancel(std::int64_t build_id);

  // The nightly rule, at `now`: queue a master build if it is the nightly time (or later) today,
  // none was queued today, and master changed since the last successful master build.
  bool nightly_tick(std::chrono::sys_seconds now);

  // The quiet-period rule, at `now`: queue a master build when master last changed at least
  // `master_quiet` ago and no master build started since.
  bool quiet_tick(std::chrono::sys_seconds now);

  // A source ref (or .dsc) newly configured for a component built from configured refs (the
  // dnsmasq fork's tags) rebuilds that component for that platform (into master; release
  // repositories take it with their next build). The first time a component's ref for a platform
  // is seen it is only remembered. Returns how many rebuilds were queued.
  std::size_t component_ref_tick();

  // Called after every job state change (tests, and later the reporters).
  void on_job(std::function<void(std::int64_t build, const store::BuildJob&)> callback) { on_step_ = std::move(callback); }

 private:
  void run_build(const store::Build& build, bool resumed);
  // For a release: true when every component built from its tag carries it. Otherwise the
  // request goes back to the queue for a while, or fails once the wait is over.
  bool release_tags_ready(const store::Build& build);
  // One worker pass: the scheduling rules, then builds until none may start.
  void pass();

  store::Store& store_;
  std::unique_ptr<store::Repositories> data_;
  const config::Config& config_;
  Clock clock_;
  std::function<void(std::int64_t, const store::BuildJob&)> on_step_;
  std::mutex mutex_;
  bool stopping_ = false;
  std::map<std::int64_t, std::shared_ptr<builders::exec::CancelToken>> running_;
  std::set<std::int64_t> cancelled_;  // running builds someone asked to cancel (not a shutdown)
  std::set<std::int64_t> lost_;       // running builds another replica took over
  std::vector<std::unique_ptr<util::Worker>> workers_;
  std::string last_nightly_day_;
  std::once_flag resumed_;
};

}  // namespace calico::builds
