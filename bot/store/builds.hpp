// Builds and their jobs, as the dispatcher runs them: a request becomes a build row, each job a
// build_jobs row, every state change written as it happens so a restart can resume.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/store/database.hpp"
#include "bot/store/replicas.hpp"
#include "builders/pipeline/runner.hpp"
#include "handlers/build_state.hpp"
#include "handlers/result.hpp"

namespace calico::store {

struct Build {
  std::int64_t id = 0;
  std::int64_t request_id = 0;
  std::string kind;
  std::string target_repo;
  std::string version;
  handlers::BuildState state = handlers::BuildState::running;
  std::string detail;
  std::string run_dir;
  std::string started_at;
  std::optional<std::string> finished_at;
  std::optional<std::string> owner;        // the replica running it
  std::optional<std::string> lease_until;  // after this another replica may take it over
};

struct BuildJob {
  std::string job;          // "felix/xenial"
  builders::pipeline::JobState state = builders::pipeline::JobState::pending;
  std::string detail;
  std::string log_path;
  std::optional<std::string> started_at;
  std::optional<std::string> finished_at;
};

// Takes the next request that may start: releases and commands before nightlies, oldest first,
// never a second build for a target that has one running, and none when `max_running` run.
// Marks the request started and creates its build row, in the caller's transaction.
// `now` (ISO 8601; empty: the system clock) decides which deferred requests are due.
// `lease` names the claiming replica (its running builds count against `max_running`) and how
// long the build is its own without a heartbeat.
std::optional<Build> claim_next_request(Database& db, int max_running, const std::string& work_dir,
                                           const std::string& now = "", const Lease& lease = {});

// A running build whose replica is gone (its lease ran out, or was released at a graceful stop),
// now `lease.owner`'s to resume; none when there is no such build.
std::optional<Build> take_over_build(Database& db, const Lease& lease, const std::string& now);
// Whether `owner` still holds the build (another replica may have taken it over).
bool holds_build(Database& db, std::int64_t build_id, const std::string& owner);
// A running build's lease renewed for `lease.owner`, and whether someone asked to cancel it; not
// held when another replica took it over (or it ended elsewhere).
struct BuildHold {
  bool held = false;
  bool cancel_requested = false;
};
BuildHold renew_build(Database& db, std::int64_t build_id, const Lease& lease);
// Lets another replica (or this one's next start) take the build over at once.
void release_build(Database& db, std::int64_t build_id, const std::string& owner);

// Puts a claimed request back in the queue, not to be taken before `not_before` (ISO 8601), and
// removes the build row the claim made.
void defer_request(Database& db, const Build& build, const std::string& not_before);

std::vector<Build> builds_in_state(Database& db, handlers::BuildState state);
std::vector<Build> recent_builds(Database& db, int limit);
std::optional<Build> find_build(Database& db, std::int64_t id);

void record_job(Database& db, std::int64_t build_id, const BuildJob& step);
std::vector<BuildJob> build_jobs(Database& db, std::int64_t build_id);

// "felix/xenial" → {"felix", "xenial"}: a job's step and platform.
std::pair<std::string, std::string> split_job(const std::string& job);
// The platforms a build's jobs ran on, in the order they first appear (the columns of its grid).
std::vector<std::string> platforms_of(const std::vector<BuildJob>& jobs);
// The steps a build's jobs belong to, in the order they first appear (the rows of its grid).
std::vector<std::string> steps_of(const std::vector<BuildJob>& jobs);

void finish_build(Database& db, std::int64_t build_id, handlers::BuildState state, const std::string& detail);

// Asks the dispatcher to cancel a running build. False when there is no such running build.
bool request_cancel(Database& db, std::int64_t build_id);
bool cancel_requested(Database& db, std::int64_t build_id);

// When the last build of `target` that succeeded started, if any.
std::optional<std::string> last_success_started(Database& db, const std::string& target);
// When the last build of `target` started, if any.
std::optional<std::string> last_build_started(Database& db, const std::string& target);
// When a build request was queued.
std::optional<std::string> request_created_at(Database& db, std::int64_t request_id);

}  // namespace calico::store
