// The repositories on a Store: each call is one store job (its own transaction), or part of the
// transaction of the `Store::atomically` it runs in. The SQL lives in the aggregate's own file
// (deliveries.cpp, builds.cpp, …), written once in the dialect both engines share.
#include "bot/store/component_refs.hpp"
#include "bot/store/remote_refs.hpp"
#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"

namespace calico::store {

namespace {

class OnStore {
 public:
  explicit OnStore(Store& store) : store_(store) {}

 protected:
  template <class Fn>
  auto run(Fn fn) {
    return store_.call(std::move(fn));
  }
  Store& store_;
};

class StoredDeliveries final : public DeliveryRepository, OnStore {
 public:
  using OnStore::OnStore;
  RecordOutcome record(const Delivery& d) override { return run([&](Database& db) { return record_delivery(db, d); }); }
  std::vector<ReceivedDelivery> unprocessed(int limit) override {
    return run([&](Database& db) { return unprocessed_deliveries(db, limit); });
  }
  RecordOutcome record_processed(const Delivery& d, const std::string& processed_at, const std::string& outcome) override {
    return run([&](Database& db) { return record_processed_delivery(db, d, processed_at, outcome); });
  }
  bool any_waiting() override { return run([](Database& db) { return has_unprocessed(db); }); }
  bool claim(const std::string& guid, const std::string& now) override {
    return run([&](Database& db) { return claim_delivery(db, guid, now); });
  }
  void settle(const std::string& guid, const std::string& outcome) override {
    run([&](Database& db) { record_outcome(db, guid, outcome); });
  }
  std::optional<ReceivedDelivery> find(const std::string& guid) override {
    return run([&](Database& db) { return find_delivery(db, guid); });
  }
  std::int64_t count() override { return run([](Database& db) { return count_deliveries(db); }); }
  std::vector<HookSource> hooks() override { return run([](Database& db) { return known_hooks(db); }); }
  void add_hook(const HookSource& hook) override { run([&](Database& db) { record_hook(db, hook); }); }
};

class StoredQueue final : public BuildQueueRepository, OnStore {
 public:
  using OnStore::OnStore;
  EnqueueOutcome enqueue(const handlers::BuildRequest& request, const std::optional<std::string>& delivery,
                         std::int64_t* queued_id) override {
    return run([&](Database& db) { return enqueue_build_request(db, request, delivery, queued_id); });
  }
  std::vector<QueuedBuildRequest> in_state(RequestState state) override {
    return run([&](Database& db) { return build_requests(db, state); });
  }
  std::int64_t pending() override { return run([](Database& db) { return pending_build_requests(db); }); }
  handlers::BuildRequest request(std::int64_t request_id) override {
    return run([&](Database& db) { return request_of_build(db, request_id); });
  }
  std::optional<std::string> queued_at(std::int64_t request_id) override {
    return run([&](Database& db) { return request_created_at(db, request_id); });
  }
  void mark_master_changed(const handlers::MasterChanged& change, const std::optional<std::string>& delivery) override {
    run([&](Database& db) { store::mark_master_changed(db, change, delivery); });
  }
  std::vector<MasterChangeMark> master_changes() override { return run([](Database& db) { return store::master_changes(db); }); }
  ReleaseRequests release(const std::string& target_repo, const std::string& version) override {
    return run([&](Database& db) { return release_requests(db, target_repo, version); });
  }
  int withdraw_release(const std::string& target_repo, const std::string& version, bool forget_trigger,
                       const std::string& now) override {
    return run([&](Database& db) { return withdraw_release_requests(db, target_repo, version, forget_trigger, now); });
  }
  std::map<std::pair<std::string, std::string>, std::string> component_refs() override {
    return run([](Database& db) { return known_component_refs(db); });
  }
  void remember_component_ref(const std::string& component, const std::string& platform, const std::string& ref,
                              const std::string& seen_at) override {
    run([&](Database& db) { store::remember_component_ref(db, component, platform, ref, seen_at); });
  }
};

class StoredBuilds final : public BuildRepository, OnStore {
 public:
  using OnStore::OnStore;
  std::optional<Build> claim_next(int max_running, const std::string& work_dir, const std::string& now,
                                  const Lease& lease) override {
    return run([&](Database& db) { return claim_next_request(db, max_running, work_dir, now, lease); });
  }
  std::optional<Build> take_over(const Lease& lease, const std::string& now) override {
    return run([&](Database& db) { return take_over_build(db, lease, now); });
  }
  bool holds(std::int64_t id, const std::string& owner) override {
    return run([&](Database& db) { return holds_build(db, id, owner); });
  }
  BuildHold renew(std::int64_t id, const Lease& lease) override { return run([&](Database& db) { return renew_build(db, id, lease); }); }
  void release(std::int64_t id, const std::string& owner) override { run([&](Database& db) { release_build(db, id, owner); }); }
  void defer(const Build& build, const std::string& not_before) override {
    run([&](Database& db) { defer_request(db, build, not_before); });
  }
  bool finish_if_held(std::int64_t id, const std::string& owner, handlers::BuildState state, const std::string& detail) override {
    return run([&](Database& db) {
      if (!holds_build(db, id, owner)) return false;
      finish_build(db, id, state, detail);
      return true;
    });
  }
  void finish(std::int64_t id, handlers::BuildState state, const std::string& detail) override {
    run([&](Database& db) { finish_build(db, id, state, detail); });
  }
  std::optional<Build> find(std::int64_t id) override { return run([&](Database& db) { return find_build(db, id); }); }
  std::vector<Build> in_state(handlers::BuildState state) override { return run([&](Database& db) { return builds_in_state(db, state); }); }
  std::vector<Build> recent(int limit) override { return run([&](Database& db) { return recent_builds(db, limit); }); }
  std::optional<std::int64_t> latest() override { return run([](Database& db) { return latest_build(db); }); }
  std::optional<std::int64_t> latest_of_pull_request(const std::string& repository, std::int64_t issue_number) override {
    return run([&](Database& db) { return latest_build_of_pull_request(db, repository, issue_number); });
  }
  void record_job(std::int64_t id, const BuildJob& job) override { run([&](Database& db) { store::record_job(db, id, job); }); }
  std::vector<BuildJob> jobs(std::int64_t id) override { return run([&](Database& db) { return build_jobs(db, id); }); }
  bool request_cancel(std::int64_t id) override { return run([&](Database& db) { return store::request_cancel(db, id); }); }
  bool cancel_requested(std::int64_t id) override { return run([&](Database& db) { return store::cancel_requested(db, id); }); }
  std::optional<std::string> last_success_started(const std::string& target) override {
    return run([&](Database& db) { return store::last_success_started(db, target); });
  }
  std::optional<std::string> last_started(const std::string& target) override {
    return run([&](Database& db) { return last_build_started(db, target); });
  }
  BuildOrigin origin(std::int64_t id) override { return run([&](Database& db) { return build_origin(db, id); }); }
  void attach_command(std::int64_t request_id, std::int64_t command_id, const std::string& head_sha) override {
    run([&](Database& db) { store::attach_command(db, request_id, command_id, head_sha); });
  }
  std::optional<std::int64_t> request_of_command(std::int64_t command_id) override {
    return run([&](Database& db) { return store::request_of_command(db, command_id); });
  }
  void record_source(std::int64_t id, const std::string& repository, const std::string& sha) override {
    run([&](Database& db) { record_build_source(db, id, repository, sha); });
  }
  std::vector<std::pair<std::string, std::string>> sources(std::int64_t id) override {
    return run([&](Database& db) { return build_sources(db, id); });
  }
  std::vector<std::pair<std::string, std::string>> sources_changed_since_last_success(std::int64_t id) override {
    return run([&](Database& db) { return store::sources_changed_since_last_success(db, id); });
  }
  std::vector<std::int64_t> to_report() override { return run([](Database& db) { return builds_to_report(db); }); }
  void mark_reported(std::int64_t id, handlers::BuildState state, const std::string& publication) override {
    run([&](Database& db) { store::mark_reported(db, id, state, publication); });
  }
};

class StoredOutbox final : public OutboxRepository, OnStore {
 public:
  using OnStore::OnStore;
  bool enqueue(const OutboxMessage& message) override { return run([&](Database& db) { return enqueue_outbox(db, message); }); }
  std::vector<OutboxEntry> due(const std::string& now, int limit) override {
    return run([&](Database& db) { return due_outbox(db, now, limit); });
  }
  bool claim(std::int64_t id, const Lease& lease, const std::string& now) override {
    return run([&](Database& db) { return claim_outbox(db, id, lease, now); });
  }
  void attempt(std::int64_t id) override { run([&](Database& db) { mark_outbox_attempt(db, id); }); }
  void delivered(std::int64_t id, const std::string& result) override { run([&](Database& db) { mark_outbox_delivered(db, id, result); }); }
  void retry(std::int64_t id, const std::string& next, const std::string& error) override {
    run([&](Database& db) { mark_outbox_retry(db, id, next, error); });
  }
  void abandon(std::int64_t id, const std::string& error) override { run([&](Database& db) { mark_outbox_abandoned(db, id, error); }); }
  std::optional<std::int64_t> edited_resource(const std::string& key) override {
    return run([&](Database& db) { return store::edited_resource(db, key); });
  }
  void remember_edited_resource(const std::string& key, std::int64_t resource_id) override {
    run([&](Database& db) { store::remember_edited_resource(db, key, resource_id); });
  }
  void forget_edited_resource(const std::string& key) override { run([&](Database& db) { store::forget_edited_resource(db, key); }); }
  std::vector<OutboxEntry> all() override { return run([](Database& db) { return outbox_rows(db); }); }
  std::int64_t backlog() override { return run([](Database& db) { return outbox_backlog(db); }); }
  std::vector<OutboxEntry> abandoned(int limit) override { return run([&](Database& db) { return abandoned_outbox(db, limit); }); }
};

class StoredCommands final : public CommandRepository, OnStore {
 public:
  using OnStore::OnStore;
  bool record(const handlers::CommandInvocation& invocation) override {
    return run([&](Database& db) { return record_command(db, invocation); });
  }
  std::vector<RecordedCommand> pending(int limit) override { return run([&](Database& db) { return pending_commands(db, limit); }); }
  std::optional<RecordedCommand> find(std::int64_t id) override { return run([&](Database& db) { return find_command(db, id); }); }
  void finish(std::int64_t id, const std::string& outcome) override { run([&](Database& db) { finish_command(db, id, outcome); }); }
  void mark_replied(const std::vector<std::int64_t>& ids) override { run([&](Database& db) { store::mark_replied(db, ids); }); }
  int replies_to_author_since(const std::string& author, const std::string& since) override {
    return run([&](Database& db) { return store::replies_to_author_since(db, author, since); });
  }
  void await_approval(std::int64_t command_id, const std::string& repository, std::int64_t issue_number,
                      const handlers::BuildRequest& request, const std::string& head_sha,
                      const std::string& pending_description) override {
    run([&](Database& db) {
      store::await_approval(db, command_id, repository, issue_number, request, head_sha, pending_description);
    });
  }
  std::optional<Approval> waiting_approval(const std::string& repository, std::int64_t issue_number) override {
    return run([&](Database& db) { return store::waiting_approval(db, repository, issue_number); });
  }
  std::optional<Approval> find_approval(std::int64_t id) override { return run([&](Database& db) { return store::find_approval(db, id); }); }
  std::optional<Approval> approval_given_by(std::int64_t command_id) override {
    return run([&](Database& db) { return store::approval_given_by(db, command_id); });
  }
  void approve(std::int64_t id, const std::string& approver, std::int64_t command_id) override {
    run([&](Database& db) { mark_approved(db, id, approver, command_id); });
  }
};

class StoredRecovery final : public RecoveryRepository, OnStore {
 public:
  using OnStore::OnStore;
  std::optional<Recovered> find(RecoveredKind kind, const std::string& reference) override {
    return run([&](Database& db) { return find_recovered(db, kind, reference); });
  }
  void note(RecoveredKind kind, const std::string& reference, const std::string& source, const std::string& event) override {
    run([&](Database& db) { note_recovered(db, kind, reference, source, event); });
  }
  std::optional<RecoverySource> source(const std::string& source) override {
    return run([&](Database& db) { return find_recovery_source(db, source); });
  }
  void save_source(const RecoverySource& source) override { run([&](Database& db) { save_recovery_source(db, source); }); }
  RecoverySummary summary() override { return run([](Database& db) { return recovery_summary(db); }); }
  bool comment_known(const std::string& repository, std::int64_t comment_id) override {
    return run([&](Database& db) { return store::comment_known(db, repository, comment_id); });
  }
};

class StoredPauses final : public PauseRepository, OnStore {
 public:
  using OnStore::OnStore;
  std::optional<GitHubPause> find(const std::string& credential) override {
    return run([&](Database& db) { return find_github_pause(db, credential); });
  }
  void save(const std::string& credential, const GitHubPause& pause) override {
    run([&](Database& db) { save_github_pause(db, credential, pause); });
  }
};

class StoredRemoteRefs final : public RemoteRefRepository, OnStore {
 public:
  using OnStore::OnStore;
  std::map<std::string, std::string> refs(const std::string& repository) override {
    return run([&](Database& db) { return remote_refs(db, repository); });
  }
  void save(const std::string& repository, const std::map<std::string, std::string>& refs) override {
    run([&](Database& db) { save_remote_refs(db, repository, refs); });
  }
};

class StoredReplicas final : public ReplicaRepository, OnStore {
 public:
  using OnStore::OnStore;
  void enter(const Replica& replica, bool alone) override {
    run([&](Database& db) {
      register_replica(db, replica);
      if (alone) store::release_leases_of_others(db, replica.id);
    });
  }
  std::vector<std::int64_t> beat(const Lease& lease, const std::string& now) override {
    return run([&](Database& db) { return store::beat(db, lease, now); });
  }
  void stop(const std::string& id, const std::string& now) override { run([&](Database& db) { stop_replica(db, id, now); }); }
  std::vector<Replica> all() override { return run([](Database& db) { return replicas(db); }); }
  void release_leases_of_others(const std::string& id) override {
    run([&](Database& db) { store::release_leases_of_others(db, id); });
  }
};

class StoredRetention final : public RetentionRepository, OnStore {
 public:
  using OnStore::OnStore;
  Pruned prune_settled_before(const std::string& cutoff) override {
    return run([&](Database& db) { return store::prune_settled_before(db, cutoff); });
  }
};

class StoredPublications final : public PublicationRepository, OnStore {
 public:
  using OnStore::OnStore;
  std::vector<LpWatch> of_build(std::int64_t id) override { return run([&](Database& db) { return lp_watches_of_build(db, id); }); }
  std::vector<LpWatch> all() override { return run([](Database& db) { return all_lp_watches(db); }); }
};

class StoredAll final : public Repositories {
 public:
  explicit StoredAll(Store& store)
      : deliveries_(store), queue_(store), builds_(store), outbox_(store), commands_(store), recovery_(store),
        pauses_(store), remote_refs_(store), replicas_(store), retention_(store), publications_(store) {}
  DeliveryRepository& deliveries() override { return deliveries_; }
  BuildQueueRepository& queue() override { return queue_; }
  BuildRepository& builds() override { return builds_; }
  OutboxRepository& outbox() override { return outbox_; }
  CommandRepository& commands() override { return commands_; }
  RecoveryRepository& recovery() override { return recovery_; }
  PauseRepository& pauses() override { return pauses_; }
  RemoteRefRepository& remote_refs() override { return remote_refs_; }
  ReplicaRepository& replicas() override { return replicas_; }
  RetentionRepository& retention() override { return retention_; }
  PublicationRepository& publications() override { return publications_; }

 private:
  StoredDeliveries deliveries_;
  StoredQueue queue_;
  StoredBuilds builds_;
  StoredOutbox outbox_;
  StoredCommands commands_;
  StoredRecovery recovery_;
  StoredPauses pauses_;
  StoredRemoteRefs remote_refs_;
  StoredReplicas replicas_;
  StoredRetention retention_;
  StoredPublications publications_;
};

}  // namespace

std::unique_ptr<Repositories> stored_repositories(Store& store) { return std::make_unique<StoredAll>(store); }

}  // namespace calico::store
