#include "bot/store/builds.hpp"

#include <algorithm>

#include "bot/util/time_format.hpp"

namespace calico::store {

namespace {

constexpr std::string_view kBuildColumns =
    "id, request_id, kind, target_repo, version, state, detail, run_dir, started_at, finished_at, owner, lease_until";

Build read_build(const Statement& row) {
  Build b;
  b.id = row.column_int(0);
  b.request_id = row.column_int(1);
  b.kind = row.column_text(2);
  b.target_repo = row.column_text(3);
  b.version = row.column_text(4);
  // A name this bot does not know (a newer bot wrote it) reads as failed: never as running.
  b.state = handlers::parse_build_state(row.column_text(5)).value_or(handlers::BuildState::failed);
  b.detail = row.column_text(6);
  b.run_dir = row.column_text(7);
  b.started_at = row.column_text(8);
  b.finished_at = row.column_optional_text(9);
  b.owner = row.column_optional_text(10);
  b.lease_until = row.column_optional_text(11);
  return b;
}

std::vector<Build> builds_where(Database& db, const std::string& clause, const std::string& value) {
  Statement query = db.prepare("SELECT " + std::string(kBuildColumns) + " FROM builds " + clause);
  if (!value.empty()) query.bind(1, value);
  std::vector<Build> rows;
  while (query.step()) rows.push_back(read_build(query));
  return rows;
}

}  // namespace

std::pair<std::string, std::string> split_job(const std::string& job) {
  const auto slash = job.find('/');
  return {job.substr(0, slash), slash == std::string::npos ? "" : job.substr(slash + 1)};
}

std::vector<std::string> platforms_of(const std::vector<BuildJob>& steps) {
  std::vector<std::string> platforms;
  for (const BuildJob& step : steps) {
    const std::string platform = split_job(step.job).second;
    if (!platform.empty() && std::find(platforms.begin(), platforms.end(), platform) == platforms.end()) {
      platforms.push_back(platform);
    }
  }
  return platforms;
}

std::vector<std::string> steps_of(const std::vector<BuildJob>& steps) {
  std::vector<std::string> names;
  for (const BuildJob& step : steps) {
    const std::string name = split_job(step.job).first;
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

std::optional<Build> claim_next_request(Database& db, int max_running, const std::string& work_dir, const std::string& now,
                                           const Lease& lease) {
  // Replicas claim one at a time: "no second build of a target" reads before it writes.
  db.lock_for_transaction("build claims");
  Statement running = db.prepare("SELECT count(*) FROM builds WHERE state = 'running' AND coalesce(owner, '') = ?1");
  running.bind(1, lease.owner);
  running.step();
  if (running.column_int(0) >= max_running) return std::nullopt;
  Statement next = db.prepare(
      "SELECT id, kind, target_repo, version FROM build_requests r WHERE state = 'pending' "
      "AND (not_before IS NULL OR not_before <= ?1) AND NOT EXISTS "
      "(SELECT 1 FROM builds b WHERE b.state = 'running' AND b.target_repo = r.target_repo) "
      "ORDER BY CASE kind WHEN 'nightly' THEN 1 ELSE 0 END, id LIMIT 1");
  next.bind(1, now.empty() ? util::utc_now_iso8601() : now);
  if (!next.step()) return std::nullopt;
  Build build;
  build.request_id = next.column_int(0);
  build.kind = next.column_text(1);
  build.target_repo = next.column_text(2);
  build.version = next.column_text(3);
  build.state = handlers::BuildState::running;
  build.started_at = util::utc_now_iso8601();
  Statement mark = db.prepare("UPDATE build_requests SET state = 'started', updated_at = ?2 WHERE id = ?1");
  mark.bind(1, build.request_id).bind(2, build.started_at);
  mark.run();
  Statement insert = db.prepare(
      "INSERT INTO builds (request_id, kind, target_repo, version, state, started_at, owner, lease_until) "
      "VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6, ?7) RETURNING id");
  insert.bind(1, build.request_id).bind(2, build.kind).bind(3, build.target_repo).bind(4, build.version).bind(5, build.started_at);
  insert.bind_optional(6, lease.owner.empty() ? std::nullopt : std::optional(lease.owner));
  insert.bind_optional(7, lease.until.empty() ? std::nullopt : std::optional(lease.until));
  if (!lease.owner.empty()) build.owner = lease.owner;
  if (!lease.until.empty()) build.lease_until = lease.until;
  if (!insert.step()) throw DatabaseError("the new build of request " + std::to_string(build.request_id) + " has no id");
  build.id = insert.column_int(0);
  build.run_dir = work_dir + "/build-" + std::to_string(build.id);
  Statement dir = db.prepare("UPDATE builds SET run_dir = ?2 WHERE id = ?1");
  dir.bind(1, build.id).bind(2, build.run_dir);
  dir.run();
  return build;
}

void defer_request(Database& db, const Build& build, const std::string& not_before) {
  Statement remove = db.prepare("DELETE FROM builds WHERE id = ?1");
  remove.bind(1, build.id);
  remove.run();
  Statement update = db.prepare("UPDATE build_requests SET state = 'pending', not_before = ?2, updated_at = ?3 WHERE id = ?1");
  update.bind(1, build.request_id).bind(2, not_before).bind(3, util::utc_now_iso8601());
  update.run();
}

std::vector<Build> builds_in_state(Database& db, handlers::BuildState state) {
  return builds_where(db, "WHERE state = ?1 ORDER BY id", std::string(handlers::to_string(state)));
}

std::vector<Build> recent_builds(Database& db, int limit) {
  return builds_where(db, "ORDER BY id DESC LIMIT " + std::to_string(limit), "");
}

std::optional<Build> find_build(Database& db, std::int64_t id) {
  auto rows = builds_where(db, "WHERE id = " + std::to_string(id), "");
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

void record_job(Database& db, std::int64_t build_id, const BuildJob& step) {
  const auto [name, platform] = split_job(step.job);
  Statement upsert = db.prepare(
      "INSERT INTO build_jobs (build_id, step, platform, state, detail, log_path, started_at, finished_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (build_id, step, platform) DO UPDATE SET state = excluded.state, "
      "detail = excluded.detail, log_path = excluded.log_path, started_at = coalesce(excluded.started_at, build_jobs.started_at), "
      "finished_at = excluded.finished_at");
  upsert.bind(1, build_id).bind(2, name).bind(3, platform).bind(4, builders::pipeline::to_string(step.state)).bind(5, step.detail).bind(6, step.log_path);
  upsert.bind_optional(7, step.started_at).bind_optional(8, step.finished_at);
  upsert.run();
}

std::vector<BuildJob> build_jobs(Database& db, std::int64_t build_id) {
  Statement query = db.prepare(
      "SELECT step || '/' || platform, state, detail, coalesce(log_path, ''), started_at, finished_at FROM build_jobs "
      "WHERE build_id = ?1 ORDER BY id");
  query.bind(1, build_id);
  std::vector<BuildJob> rows;
  while (query.step()) {
    rows.push_back({query.column_text(0),
                    builders::pipeline::parse_job_state(query.column_text(1)).value_or(builders::pipeline::JobState::failed),
                    query.column_text(2), query.column_text(3), query.column_optional_text(4), query.column_optional_text(5)});
  }
  return rows;
}

void finish_build(Database& db, std::int64_t build_id, handlers::BuildState state, const std::string& detail) {
  Statement update = db.prepare("UPDATE builds SET state = ?2, detail = ?3, finished_at = ?4 WHERE id = ?1");
  update.bind(1, build_id).bind(2, handlers::to_string(state)).bind(3, detail).bind(4, util::utc_now_iso8601());
  update.run();
}

bool request_cancel(Database& db, std::int64_t build_id) {
  Statement update = db.prepare(
      "UPDATE builds SET cancel_requested_at = ?2 WHERE id = ?1 AND state = 'running' AND cancel_requested_at IS NULL");
  update.bind(1, build_id).bind(2, util::utc_now_iso8601());
  update.run();
  return db.changes() == 1;
}

bool cancel_requested(Database& db, std::int64_t build_id) {
  Statement query = db.prepare("SELECT cancel_requested_at IS NOT NULL FROM builds WHERE id = ?1");
  query.bind(1, build_id);
  return query.step() && query.column_int(0) == 1;
}

std::optional<std::string> last_success_started(Database& db, const std::string& target) {
  Statement query = db.prepare("SELECT max(started_at) FROM builds WHERE target_repo = ?1 AND state = 'succeeded'");
  query.bind(1, target);
  query.step();
  return query.column_optional_text(0);
}

std::optional<std::string> last_build_started(Database& db, const std::string& target) {
  Statement query = db.prepare("SELECT max(started_at) FROM builds WHERE target_repo = ?1");
  query.bind(1, target);
  query.step();
  return query.column_optional_text(0);
}

std::optional<std::string> request_created_at(Database& db, std::int64_t request_id) {
  Statement query = db.prepare("SELECT created_at FROM build_requests WHERE id = ?1");
  query.bind(1, request_id);
  if (!query.step()) return std::nullopt;
  return query.column_text(0);
}

std::optional<Build> take_over_build(Database& db, const Lease& lease, const std::string& now) {
  Statement take = db.prepare(
      "UPDATE builds SET owner = ?1, lease_until = ?2 WHERE id = (SELECT id FROM builds WHERE state = 'running' "
      "AND (lease_until IS NULL OR lease_until < ?3) ORDER BY id LIMIT 1" + std::string(db.skip_locked()) + ") RETURNING id");
  take.bind(1, lease.owner).bind(2, lease.until).bind(3, now);
  if (!take.step()) return std::nullopt;
  const std::int64_t id = take.column_int(0);
  take.reset();
  return find_build(db, id);
}

bool holds_build(Database& db, std::int64_t build_id, const std::string& owner) {
  Statement query = db.prepare("SELECT 1 FROM builds WHERE id = ?1 AND coalesce(owner, '') = ?2");
  query.bind(1, build_id).bind(2, owner);
  return query.step();
}

void release_build(Database& db, std::int64_t build_id, const std::string& owner) {
  Statement release = db.prepare("UPDATE builds SET lease_until = NULL WHERE id = ?1 AND coalesce(owner, '') = ?2");
  release.bind(1, build_id).bind(2, owner);
  release.run();
}

BuildHold renew_build(Database& db, std::int64_t build_id, const Lease& lease) {
  Statement renew = db.prepare(
      "UPDATE builds SET lease_until = ?3 WHERE id = ?1 AND owner = ?2 AND state = 'running' "
      "RETURNING cancel_requested_at IS NOT NULL");
  renew.bind(1, build_id).bind(2, lease.owner).bind(3, lease.until);
  if (!renew.step()) return {false, false};
  return {true, renew.column_int(0) != 0};
}

}  // namespace calico::store
