#include "bot/builds/dispatcher.hpp"

#include <atomic>

#include "bot/builds/schedule.hpp"
#include "bot/launchpad/watcher.hpp"
#include "bot/log/log.hpp"
#include "bot/pipeline_environment.hpp"
#include "bot/util/time_format.hpp"
#include "bot/util/worker.hpp"
#include "builders/git/ls_remote.hpp"
#include "builders/pipeline/procedure.hpp"
#include "builders/pipeline/runner.hpp"
#include "builders/plan.hpp"

namespace calico::builds {

namespace {

// Writes each job's state to the store as the run goes.
class StoreObserver : public builders::pipeline::Observer {
 public:
  StoreObserver(store::BuildRepository& builds, std::int64_t build,
                std::function<void(std::int64_t, const store::BuildJob&)> callback)
      : builds_(builds), build_(build), callback_(std::move(callback)) {}

  void job_started(const builders::Job& job, const std::filesystem::path& log) override {
    write({job.id, builders::pipeline::JobState::running, "", log.string(), util::utc_now_iso8601(), std::nullopt});
  }
  void job_finished(const builders::Job& job, const builders::pipeline::JobReport& report) override {
    write({job.id, report.state, report.detail, report.log.string(), std::nullopt,
           util::utc_now_iso8601()});
  }

 private:
  void write(const store::BuildJob& step) {
    builds_.record_job(build_, step);
    if (callback_) callback_(build_, step);
  }
  store::BuildRepository& builds_;
  std::int64_t build_;
  std::function<void(std::int64_t, const store::BuildJob&)> callback_;
};

}  // namespace

Dispatcher::Dispatcher(store::Store& store, const config::Config& config, Clock clock)
    : store_(store), data_(store::stored_repositories(store)), config_(config), clock_(std::move(clock)) {
  if (!clock_) clock_ = util::system_now;
}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start() {
  for (int i = 0; i < config_.dispatch.max_concurrent_builds; ++i) {
    workers_.push_back(std::make_unique<util::Worker>("dispatch", std::chrono::seconds(5), [this] { pass(); }));
  }
  for (auto& worker : workers_) worker->start();
}

void Dispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, token] : running_) token->cancel();
  }
  for (auto& worker : workers_) worker->stop();
  workers_.clear();
}

void Dispatcher::notify() {
  for (auto& worker : workers_) worker->notify();
}

void Dispatcher::pass() {
  std::call_once(resumed_, [this] {
    try {
      resume_interrupted();
    } catch (const std::exception& e) {
      log::error("dispatch.resume_failed", {{"error", e.what()}});
    }
  });
  const auto now = clock_();
  // The scheduling rules decide once for all replicas: the one that leads them.
  if (store_.leads("schedule")) {
    if (config_.dispatch.nightly) nightly_tick(now);
    quiet_tick(now);
    component_ref_tick();
  }
  // Builds whose replica is gone first (they hold their targets), then new ones, until none may
  // start (the worker's next pass comes when notified or after 5 s).
  while (take_over_next() || run_next()) {
    std::lock_guard lock(mutex_);
    if (stopping_) break;
  }
}

namespace {
// Leases are real time, whatever clock the scheduling rules are given.
std::chrono::system_clock::time_point lease_now() { return std::chrono::system_clock::now(); }
std::string lease_now_text() { return util::iso8601(std::chrono::floor<std::chrono::seconds>(lease_now())); }
}  // namespace

bool Dispatcher::take_over_next() {
  const std::optional<store::Build> build = data_->builds().take_over(store_.lease(lease_now()), lease_now_text());
  if (!build) return false;
  {
    std::lock_guard lock(mutex_);
    if (running_.count(build->id)) return false;  // ours, running here: its lease is renewed again
  }
  log::info("dispatch.resume", {{"build", build->id}, {"target", build->target_repo}, {"version", build->version},
                                {"replica", store_.replica()}});
  run_build(*build, true);
  return true;
}

bool Dispatcher::run_next() {
  const std::optional<store::Build> build =
      data_->builds().claim_next(config_.dispatch.max_concurrent_builds, config_.publish.work_dir.string(),
                                 util::iso8601(clock_()), store_.lease(lease_now()));
  if (!build) return false;
  if (!release_tags_ready(*build)) return true;
  run_build(*build, false);
  return true;
}

bool Dispatcher::release_tags_ready(const store::Build& build) {
  const std::optional<builders::ReleaseTag> tag = builders::parse_release_tag(build.version);
  if (!tag) return true;  // master: nothing to wait for
  // The components that follow VERSION are built from the tag itself: each must carry it.
  std::vector<std::string> missing;
  for (const config::ComponentConfig& component : config_.publish.components) {
    if (component.source_kind != config::SourceKind::version || !component.enabled) continue;
    const config::RepositoryConfig* repo =
        config_.find_repository_by_name(component.repository_name());
    if (!repo) continue;
    const std::string tag = builders::checkout_for_version(build.version, component, repo->master_branch);
    try {
      if (!builders::git::ls_remote(repo->url).count("refs/tags/" + tag)) missing.push_back(component.name);
    } catch (const std::exception& e) {
      missing.push_back(component.name + " (unreachable: " + e.what() + ")");
    }
  }
  if (missing.empty()) return true;
  const auto now = clock_();
  const auto requested = data_->queue().queued_at(build.request_id);
  const TagWait decision =
      tag_wait(build.version, missing, util::parse_iso8601(requested.value_or("")).value_or(now), now, config_.dispatch);
  switch (decision.verdict) {
    case TagWait::Verdict::ready:
      return true;
    case TagWait::Verdict::give_up:
      data_->builds().finish(build.id, handlers::BuildState::failed, decision.detail);
      log::warn("dispatch.tag_missing", {{"build", build.id}, {"version", build.version}, {"detail", decision.detail}});
      return false;
    case TagWait::Verdict::wait:
      log::info("dispatch.waiting_for_tag", {{"version", build.version}, {"detail", decision.detail}});
      data_->builds().defer(build, util::iso8601(decision.retry_at));
      return false;
  }
  return false;
}

std::size_t Dispatcher::resume_interrupted() {
  // A store this process has to itself: whoever ran its running builds before is gone.
  if (!store_.shared()) data_->replicas().release_leases_of_others(store_.replica());
  std::size_t resumed = 0;
  while (take_over_next()) ++resumed;
  return resumed;
}

bool Dispatcher::cancel(std::int64_t build_id) {
  std::lock_guard lock(mutex_);
  auto it = running_.find(build_id);
  if (it == running_.end()) return false;
  cancelled_.insert(build_id);
  it->second->cancel();
  return true;
}

namespace {

MasterFacts master_facts(store::Repositories& data) {
  MasterFacts facts;
  for (const auto& mark : data.queue().master_changes()) facts.changed_at.push_back(mark.changed_at);
  facts.last_success_started = data.builds().last_success_started("master");
  facts.last_build_started = data.builds().last_started("master");
  return facts;
}

bool enqueue(store::Repositories& data, const std::optional<handlers::BuildRequest>& request) {
  return request && data.queue().enqueue(*request, std::nullopt) == store::EnqueueOutcome::queued;
}

}  // namespace

bool Dispatcher::nightly_tick(std::chrono::sys_seconds now) {
  {
    std::lock_guard lock(mutex_);
    const std::optional<std::string> day = nightly_time(now, config_.dispatch, last_nightly_day_);
    if (!day) return false;
    last_nightly_day_ = *day;
  }
  return store_.atomically([&] { return enqueue(*data_, nightly_request(master_facts(*data_))); });
}

bool Dispatcher::quiet_tick(std::chrono::sys_seconds now) {
  return store_.atomically([&] { return enqueue(*data_, quiet_request(now, config_.dispatch, master_facts(*data_))); });
}

std::size_t Dispatcher::component_ref_tick() {
  return store_.atomically([&] {
    store::BuildQueueRepository& queue = data_->queue();
    const ComponentRefChanges changes = component_ref_changes(config_.publish, queue.component_refs());
    const std::string now = util::utc_now_iso8601();
    for (const ComponentRef& ref : changes.remember) queue.remember_component_ref(ref.component, ref.platform, ref.ref, now);
    std::size_t queued = 0;
    for (const handlers::BuildRequest& request : changes.requests) {
      queued += enqueue(*data_, request);
      log::info("dispatch.component_ref", {{"trigger", request.trigger}});
    }
    return queued;
  });
}

void Dispatcher::run_build(const store::Build& build, bool resumed) {
  auto cancel = std::make_shared<builders::exec::CancelToken>();
  {
    std::lock_guard lock(mutex_);
    running_[build.id] = cancel;
    if (stopping_) cancel->cancel();  // claimed as the service stops: left for the next start
  }
  handlers::BuildState state = handlers::BuildState::failed;
  std::string detail;
  try {
    const handlers::BuildRequest asked = data_->queue().request(build.request_id);
    builders::PublishRequest request;
    request.version = build.version;
    request.repo_name = build.target_repo;
    if (!asked.steps.empty()) request.steps = asked.steps;
    if (!asked.platforms.empty()) request.platforms = asked.platforms;
    const builders::Plan plan = builders::make_plan(request, config_);
    PipelineEnvironment environment = make_pipeline_environment(config_, plan, {}, {build.id, store_.replica()});
    if (resumed) {
      // What this build's earlier run left where its jobs ran (Pods of a replica that crashed or
      // lost the build) goes before its jobs run again: nothing runs twice, nothing is left.
      if (const std::size_t removed = environment.executor->remove_leftovers(); removed > 0) {
        log::info("dispatch.leftovers_removed", {{"build", build.id}, {"count", removed}});
      }
    }
    builders::pipeline::Procedure procedure(config_, plan, build.run_dir, *environment.executor, environment.keyring.get(),
                                            environment.archive.get(), *environment.rpm_host,
                                            config_.publish.rpm_root.string());
    procedure.sign_rpms_with(environment.rpm_keyring.get());
    procedure.promote_from(environment.promote_from, environment.promotion.get());
    std::vector<builders::pipeline::JobReport> finished;
    if (resumed) {
      for (const store::BuildJob& step : data_->builds().jobs(build.id)) {
        if (step.state != builders::pipeline::JobState::succeeded) continue;
        const builders::Job* job = plan.find(step.job);
        if (!job) continue;
        try {
          procedure.adopt(*job);
        } catch (const std::exception& e) {
          // Its outputs are not on this replica's disk (another replica built it, on a work_dir
          // not shared): built again. Uploads still skip what the archive holds.
          log::info("dispatch.job_rerun", {{"build", build.id}, {"job", step.job}, {"reason", e.what()}});
          continue;
        }
        finished.push_back({step.job, builders::pipeline::JobState::succeeded, step.detail, step.log_path, {}});
      }
    }
    log::info("dispatch.build", {{"build", build.id}, {"target", build.target_repo}, {"version", build.version},
                                 {"resumed", resumed}, {"jobs_already_done", finished.size()}});
    // Every upload is followed on Launchpad (or a stand-in serving its API) until published.
    launchpad::Watcher watcher(store_, *environment.launchpad,
                               launchpad::watcher_settings(config_.launchpad));
    if (watches_uploads(config_)) {
      procedure.on_in_archive([&](const builders::pipeline::Procedure::Upload& upload) {
        // Already there from an earlier attempt: its watch (or a new one) belongs to this build too.
        watcher.watch(config_.publish.ppa_owner, plan.repo_name, upload.source, upload.version, upload.series, true, build.id,
                      upload.job);
      });
      procedure.on_uploaded([&](const builders::pipeline::Procedure::Upload& upload) {
        watcher.watch(config_.publish.ppa_owner, plan.repo_name, upload.source, upload.version, upload.series, false,
                      build.id, upload.job);
      });
    }
    // The commits the build uses get commit statuses: remember those of watched repositories.
    procedure.on_source_resolved([&](const builders::Job&, const std::string& url, const std::string& sha) {
      for (const config::RepositoryConfig& repo : config_.repositories) {
        if (repo.url != url) continue;
        data_->builds().record_source(build.id, repo.github, sha);
      }
    });
    StoreObserver observer(data_->builds(), build.id, on_step_);
    // Every second while the build runs (the worker stops when this scope ends): its lease is
    // renewed, and a cancellation asked for through the store (the CLI, /cancel, from any replica)
    // or the build taken over by another replica (this one lost the store for longer than a
    // lease) stops it.
    util::Worker cancel_watch("dispatch.cancel_watch", std::chrono::seconds(1), [&] {
      if (cancel->cancelled()) return;
      const store::BuildHold hold = data_->builds().renew(build.id, store_.lease(lease_now()));
      if (hold.held && !hold.cancel_requested) return;
      {
        std::lock_guard lock(mutex_);
        (hold.held ? cancelled_ : lost_).insert(build.id);
      }
      cancel->cancel();
    });
    cancel_watch.start();
    if (const std::vector<std::string> missing = procedure.unresolved_sources(); !missing.empty()) {
      std::string text;
      for (const std::string& line : missing) text += (text.empty() ? "" : "; ") + line;
      throw std::runtime_error("nothing was built: " + text);
    }
    const auto result = builders::pipeline::run_plan(plan, config_.publish.parallel_jobs, procedure, observer,
                                                     std::filesystem::path(build.run_dir) / "logs", *cancel, finished);
    if (result.ok()) {
      state = handlers::BuildState::succeeded;
      detail = "all " + std::to_string(result.jobs.size()) + " jobs succeeded";
    } else {
      state = cancel->cancelled() ? handlers::BuildState::cancelled : handlers::BuildState::failed;
      for (const auto* failure : result.failures()) detail += (detail.empty() ? "" : "; ") + failure->id + ": " + failure->detail;
    }
  } catch (const std::exception& e) {
    detail = e.what();
  }
  bool interrupted = false;
  bool lost = false;
  {
    std::lock_guard lock(mutex_);
    lost = lost_.count(build.id) > 0;
    // Stopped by the service's own stop (SIGTERM), not by anyone's cancel: the build stays
    // running in the store, and the next start (or another replica) resumes it from its first
    // unfinished job. Only a cancel asked for ends it as cancelled.
    interrupted = stopping_ && state != handlers::BuildState::succeeded && !cancelled_.count(build.id);
  }
  if (lost) {
    log::warn("dispatch.taken_over", {{"build", build.id}, {"replica", store_.replica()},
                                      {"detail", "another replica holds the build now: this one stopped its jobs"}});
  } else if (interrupted) {
    data_->builds().release(build.id, store_.replica());
    log::warn("dispatch.interrupted", {{"build", build.id}, {"target", build.target_repo}, {"version", build.version},
                                       {"detail", "the service is stopping: the build's jobs were stopped, and it resumes "
                                                  "from its first unfinished job at the next start or on another replica"}});
  } else {
    const bool finished = data_->builds().finish_if_held(build.id, store_.replica(), state, detail);
    if (finished) {
      log::info("dispatch.finished", {{"build", build.id}, {"state", handlers::to_string(state)}, {"detail", detail}});
    } else {
      log::warn("dispatch.taken_over", {{"build", build.id}, {"replica", store_.replica()},
                                        {"detail", "another replica holds the build now: its end is that one's to record"}});
    }
  }
  std::lock_guard lock(mutex_);
  running_.erase(build.id);
  cancelled_.erase(build.id);
  lost_.erase(build.id);
}

}  // namespace calico::builds
