// What the rest of the bot sees of its store: one repository per aggregate, taking and returning
// domain types with enum states. No SQL, row or connection appears here; `StoredRepositories`
// implements them all on a `Store` (either engine), and the contract suite runs them on both.
//
// Each call is its own transaction. Calls made inside `Store::atomically` join its transaction
// instead, so a unit of work over several aggregates (a command queued with its GitHub reply, a
// build's report with the mark that it was reported) commits together or not at all.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bot/store/approvals.hpp"
#include "bot/store/build_queue.hpp"
#include "bot/store/builds.hpp"
#include "bot/store/commands.hpp"
#include "bot/store/deliveries.hpp"
#include "bot/store/github_pauses.hpp"
#include "bot/store/lp_watches.hpp"
#include "bot/store/outbox.hpp"
#include "bot/store/recovery.hpp"
#include "bot/store/replicas.hpp"
#include "bot/store/reporting.hpp"
#include "bot/store/retention.hpp"
#include "bot/store/tag_changes.hpp"

namespace calico::store {

class Store;

// Webhook deliveries as received, and the hooks they came through.
class DeliveryRepository {
 public:
  virtual ~DeliveryRepository() = default;
  virtual RecordOutcome record(const Delivery& delivery) = 0;
  // Records a delivery whose handlers run in the same unit of work: already processed at
  // `processed_at`, with `outcome` (settle says otherwise if it turns out different).
  virtual RecordOutcome record_processed(const Delivery& delivery, const std::string& processed_at,
                                         const std::string& outcome) = 0;
  virtual std::vector<ReceivedDelivery> unprocessed(int limit) = 0;
  // Whether some delivery still waits for its handlers: a newer one is then not processed ahead of it.
  virtual bool any_waiting() = 0;
  // Takes the delivery for processing (false: another replica processed it already).
  virtual bool claim(const std::string& guid, const std::string& now) = 0;
  virtual void settle(const std::string& guid, const std::string& outcome) = 0;
  virtual std::optional<ReceivedDelivery> find(const std::string& guid) = 0;
  virtual std::int64_t count() = 0;
  virtual std::vector<HookSource> hooks() = 0;
  virtual void add_hook(const HookSource& hook) = 0;
};

// Build requests waiting to become builds, and what decides the automatic ones.
class BuildQueueRepository {
 public:
  virtual ~BuildQueueRepository() = default;
  virtual EnqueueOutcome enqueue(const handlers::BuildRequest& request, const std::optional<std::string>& delivery,
                                 std::int64_t* queued_id = nullptr) = 0;
  virtual std::vector<QueuedBuildRequest> in_state(RequestState state) = 0;
  virtual std::int64_t pending() = 0;
  virtual handlers::BuildRequest request(std::int64_t request_id) = 0;
  virtual std::optional<std::string> queued_at(std::int64_t request_id) = 0;
  virtual void mark_master_changed(const handlers::MasterChanged& change, const std::optional<std::string>& delivery) = 0;
  virtual std::vector<MasterChangeMark> master_changes() = 0;
  // A release's requests and builds, and taking back what a deleted tag asked for.
  virtual ReleaseRequests release(const std::string& target_repo, const std::string& version) = 0;
  virtual int withdraw_release(const std::string& target_repo, const std::string& version, bool forget_trigger,
                               const std::string& now) = 0;
  // The refs each component was last built from, per platform ("component", "platform") → ref.
  virtual std::map<std::pair<std::string, std::string>, std::string> component_refs() = 0;
  virtual void remember_component_ref(const std::string& component, const std::string& platform, const std::string& ref,
                                      const std::string& seen_at) = 0;
};

// Builds and their jobs: claims and leases across replicas, progress, origin and reporting.
class BuildRepository {
 public:
  virtual ~BuildRepository() = default;
  virtual std::optional<Build> claim_next(int max_running, const std::string& work_dir, const std::string& now,
                                          const Lease& lease) = 0;
  virtual std::optional<Build> take_over(const Lease& lease, const std::string& now) = 0;
  virtual bool holds(std::int64_t build_id, const std::string& owner) = 0;
  virtual BuildHold renew(std::int64_t build_id, const Lease& lease) = 0;
  virtual void release(std::int64_t build_id, const std::string& owner) = 0;
  virtual void defer(const Build& build, const std::string& not_before) = 0;
  // Ends the build when `owner` still holds it; false when another replica took it over.
  virtual bool finish_if_held(std::int64_t build_id, const std::string& owner, handlers::BuildState state,
                              const std::string& detail) = 0;
  virtual void finish(std::int64_t build_id, handlers::BuildState state, const std::string& detail) = 0;

  virtual std::optional<Build> find(std::int64_t build_id) = 0;
  virtual std::vector<Build> in_state(handlers::BuildState state) = 0;
  virtual std::vector<Build> recent(int limit) = 0;
  virtual std::optional<std::int64_t> latest() = 0;
  virtual std::optional<std::int64_t> latest_of_pull_request(const std::string& repository, std::int64_t issue_number) = 0;
  virtual void record_job(std::int64_t build_id, const BuildJob& job) = 0;
  virtual std::vector<BuildJob> jobs(std::int64_t build_id) = 0;

  virtual bool request_cancel(std::int64_t build_id) = 0;
  virtual bool cancel_requested(std::int64_t build_id) = 0;
  virtual std::optional<std::string> last_success_started(const std::string& target) = 0;
  virtual std::optional<std::string> last_started(const std::string& target) = 0;

  virtual BuildOrigin origin(std::int64_t build_id) = 0;
  virtual void attach_command(std::int64_t request_id, std::int64_t command_id, const std::string& head_sha) = 0;
  virtual std::optional<std::int64_t> request_of_command(std::int64_t command_id) = 0;
  virtual void record_source(std::int64_t build_id, const std::string& repository, const std::string& sha) = 0;
  virtual std::vector<std::pair<std::string, std::string>> sources(std::int64_t build_id) = 0;
  virtual std::vector<std::pair<std::string, std::string>> sources_changed_since_last_success(std::int64_t build_id) = 0;
  // Builds whose state or publication changed since they were last reported on GitHub.
  virtual std::vector<std::int64_t> to_report() = 0;
  virtual void mark_reported(std::int64_t build_id, handlers::BuildState state, const std::string& publication) = 0;
};

// Everything the bot says on GitHub, queued before it is sent.
class OutboxRepository {
 public:
  virtual ~OutboxRepository() = default;
  virtual bool enqueue(const OutboxMessage& message) = 0;
  virtual std::vector<OutboxEntry> due(const std::string& now, int limit) = 0;
  virtual bool claim(std::int64_t id, const Lease& lease, const std::string& now) = 0;
  virtual void attempt(std::int64_t id) = 0;
  virtual void delivered(std::int64_t id, const std::string& result) = 0;
  virtual void retry(std::int64_t id, const std::string& next_attempt_at, const std::string& error) = 0;
  virtual void abandon(std::int64_t id, const std::string& error) = 0;
  // The GitHub resource (summary comment, check run) a message edits, once it exists.
  virtual std::optional<std::int64_t> edited_resource(const std::string& edit_key) = 0;
  virtual void remember_edited_resource(const std::string& edit_key, std::int64_t resource_id) = 0;
  virtual void forget_edited_resource(const std::string& edit_key) = 0;
  virtual std::vector<OutboxEntry> all() = 0;
  virtual std::int64_t backlog() = 0;
  virtual std::vector<OutboxEntry> abandoned(int limit) = 0;
};

// Slash commands, their replies, and the releases waiting on a second person's approval.
class CommandRepository {
 public:
  virtual ~CommandRepository() = default;
  virtual bool record(const handlers::CommandInvocation& invocation) = 0;
  virtual std::vector<RecordedCommand> pending(int limit) = 0;
  virtual std::optional<RecordedCommand> find(std::int64_t id) = 0;
  virtual void finish(std::int64_t id, const std::string& outcome) = 0;
  virtual void mark_replied(const std::vector<std::int64_t>& ids) = 0;
  virtual int replies_to_author_since(const std::string& author, const std::string& since) = 0;

  virtual void await_approval(std::int64_t command_id, const std::string& repository, std::int64_t issue_number,
                              const handlers::BuildRequest& request, const std::string& head_sha,
                              const std::string& pending_description) = 0;
  virtual std::optional<Approval> waiting_approval(const std::string& repository, std::int64_t issue_number) = 0;
  virtual std::optional<Approval> find_approval(std::int64_t id) = 0;
  virtual std::optional<Approval> approval_given_by(std::int64_t approval_command_id) = 0;
  virtual void approve(std::int64_t id, const std::string& approver, std::int64_t approval_command_id) = 0;
};

// What the recovery passes found missing and asked for again, and where each source stands.
class RecoveryRepository {
 public:
  virtual ~RecoveryRepository() = default;
  virtual std::optional<Recovered> find(RecoveredKind kind, const std::string& reference) = 0;
  virtual void note(RecoveredKind kind, const std::string& reference, const std::string& source, const std::string& event) = 0;
  virtual std::optional<RecoverySource> source(const std::string& source) = 0;
  virtual void save_source(const RecoverySource& source) = 0;
  virtual RecoverySummary summary() = 0;
  virtual bool comment_known(const std::string& repository, std::int64_t comment_id) = 0;
};

// Pauses of a GitHub credential (rate limits), kept across restarts.
class PauseRepository {
 public:
  virtual ~PauseRepository() = default;
  virtual std::optional<GitHubPause> find(const std::string& credential) = 0;
  virtual void save(const std::string& credential, const GitHubPause& pause) = 0;
};

// The refs (branches, tags) each polled repository had when last polled.
class RemoteRefRepository {
 public:
  virtual ~RemoteRefRepository() = default;
  virtual std::map<std::string, std::string> refs(const std::string& repository) = 0;
  virtual void save(const std::string& repository, const std::map<std::string, std::string>& refs) = 0;
};

// The serve processes sharing the store.
class ReplicaRepository {
 public:
  virtual ~ReplicaRepository() = default;
  // Registers the replica; `alone`: no other replica can be running, so every lease held is stale.
  virtual void enter(const Replica& replica, bool alone) = 0;
  // Renews the replica's heartbeat and its builds' leases; the builds it still holds.
  virtual std::vector<std::int64_t> beat(const Lease& lease, const std::string& now) = 0;
  virtual void stop(const std::string& id, const std::string& now) = 0;
  virtual std::vector<Replica> all() = 0;
  virtual void release_leases_of_others(const std::string& id) = 0;
};

// What is old enough to forget.
class RetentionRepository {
 public:
  virtual ~RetentionRepository() = default;
  virtual Pruned prune_settled_before(const std::string& cutoff) = 0;
};

// Launchpad watches as builds read them (the watcher's own view is `launchpad::WatchBook`).
class PublicationRepository {
 public:
  virtual ~PublicationRepository() = default;
  virtual std::vector<LpWatch> of_build(std::int64_t build_id) = 0;
  virtual std::vector<LpWatch> all() = 0;
};

// Every repository, on one store.
class Repositories {
 public:
  virtual ~Repositories() = default;
  virtual DeliveryRepository& deliveries() = 0;
  virtual BuildQueueRepository& queue() = 0;
  virtual BuildRepository& builds() = 0;
  virtual OutboxRepository& outbox() = 0;
  virtual CommandRepository& commands() = 0;
  virtual RecoveryRepository& recovery() = 0;
  virtual PauseRepository& pauses() = 0;
  virtual RemoteRefRepository& remote_refs() = 0;
  virtual ReplicaRepository& replicas() = 0;
  virtual RetentionRepository& retention() = 0;
  virtual PublicationRepository& publications() = 0;
};

// The repositories on `store` (SQLite or PostgreSQL: the store's engine speaks for both).
std::unique_ptr<Repositories> stored_repositories(Store& store);

}  // namespace calico::store
