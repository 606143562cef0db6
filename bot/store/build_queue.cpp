#include "bot/store/build_queue.hpp"

#include "bot/util/time_format.hpp"

namespace calico::store {

namespace {
handlers::BuildRequest::Kind kind_from(const std::string& text) {
  if (text == "nightly") return handlers::BuildRequest::Kind::nightly;
  if (text == "command") return handlers::BuildRequest::Kind::command;
  return handlers::BuildRequest::Kind::release;
}
}  // namespace

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t comma = text.find(',', start);
    items.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

handlers::BuildRequest request_of_build(Database& db, std::int64_t request_id) {
  Statement query = db.prepare(
      "SELECT kind, target_repo, version, repository, trigger, requested_by, steps, platforms FROM build_requests WHERE id = ?1");
  query.bind(1, request_id);
  handlers::BuildRequest request;
  if (!query.step()) return request;
  request.kind = kind_from(query.column_text(0));
  request.target_repo = query.column_text(1);
  request.version = query.column_text(2);
  request.repository = query.column_text(3);
  request.trigger = query.column_text(4);
  request.requested_by = query.column_text(5);
  request.steps = split(query.column_text(6));
  request.platforms = split(query.column_text(7));
  return request;
}

EnqueueOutcome enqueue_build_request(Database& db, const handlers::BuildRequest& request,
                                     const std::optional<std::string>& delivery, std::int64_t* queued_id) {
  const std::string now = util::utc_now_iso8601();
  if (request.kind == handlers::BuildRequest::Kind::release) {
    Statement trigger = db.prepare(
        "INSERT INTO release_triggers (target_repo, version, triggered_at, trigger) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (target_repo, version) DO NOTHING");
    trigger.bind(1, request.target_repo).bind(2, request.version).bind(3, now).bind(4, request.trigger);
    trigger.run();
    if (db.changes() == 0) {
      // Coalesced with the pending request, or built (or building) already. A push that names
      // the tag's commit completes a request a `create` (which names none) made first.
      if (!request.trigger_commit.empty()) {
        Statement commit = db.prepare(
            "UPDATE build_requests SET trigger_commit = ?3 WHERE target_repo = ?1 AND version = ?2 AND kind = 'release' "
            "AND trigger_commit IS NULL AND repository = ?4");
        commit.bind(1, request.target_repo).bind(2, request.version).bind(3, request.trigger_commit).bind(4, request.repository);
        commit.run();
      }
      Statement pending = db.prepare("SELECT count(*) FROM build_requests WHERE target_repo = ?1 AND version = ?2 AND state = 'pending'");
      pending.bind(1, request.target_repo).bind(2, request.version);
      pending.step();
      return pending.column_int(0) > 0 ? EnqueueOutcome::coalesced : EnqueueOutcome::already_triggered;
    }
  }
  Statement insert = db.prepare(
      "INSERT INTO build_requests (kind, target_repo, version, repository, trigger, requested_by, delivery, "
      "created_at, updated_at, steps, platforms, trigger_commit) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11) "
      "ON CONFLICT (target_repo, version, steps, platforms) WHERE state = 'pending' DO NOTHING RETURNING id");
  insert.bind(1, handlers::to_string(request.kind)).bind(2, request.target_repo).bind(3, request.version);
  insert.bind(4, request.repository).bind(5, request.trigger).bind(6, request.requested_by);
  insert.bind_optional(7, delivery).bind(8, now).bind(9, join(request.steps)).bind(10, join(request.platforms));
  insert.bind_optional(11, request.trigger_commit.empty() ? std::nullopt : std::optional(request.trigger_commit));
  if (!insert.step()) return EnqueueOutcome::coalesced;
  if (queued_id) *queued_id = insert.column_int(0);
  return EnqueueOutcome::queued;
}

std::string_view to_string(RequestState state) {
  switch (state) {
    case RequestState::pending: return "pending";
    case RequestState::started: return "started";
    case RequestState::cancelled: return "cancelled";
  }
  return "pending";
}

std::vector<QueuedBuildRequest> build_requests(Database& db, RequestState state) {
  Statement query = db.prepare(
      "SELECT id, kind, target_repo, version, repository, trigger, requested_by, state, delivery, created_at, steps, "
      "platforms FROM build_requests WHERE state = ?1 ORDER BY id");
  query.bind(1, std::string(to_string(state)));
  std::vector<QueuedBuildRequest> rows;
  while (query.step()) {
    QueuedBuildRequest row;
    row.id = query.column_int(0);
    row.request.kind = kind_from(query.column_text(1));
    row.request.target_repo = query.column_text(2);
    row.request.version = query.column_text(3);
    row.request.repository = query.column_text(4);
    row.request.trigger = query.column_text(5);
    row.request.requested_by = query.column_text(6);
    row.state = state;
    row.delivery = query.column_optional_text(8);
    row.created_at = query.column_text(9);
    row.request.steps = split(query.column_text(10));
    row.request.platforms = split(query.column_text(11));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::int64_t pending_build_requests(Database& db) {
  Statement query = db.prepare("SELECT count(*) FROM build_requests WHERE state = 'pending'");
  query.step();
  return query.column_int(0);
}

void mark_master_changed(Database& db, const handlers::MasterChanged& change,
                         const std::optional<std::string>& delivery) {
  Statement upsert = db.prepare(
      "INSERT INTO master_changes (repository, branch, sha, changed_at, delivery) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT (repository, branch) DO UPDATE SET sha = excluded.sha, changed_at = excluded.changed_at, "
      "delivery = excluded.delivery");
  upsert.bind(1, change.repository).bind(2, change.branch).bind(3, change.sha);
  upsert.bind(4, util::utc_now_iso8601()).bind_optional(5, delivery);
  upsert.run();
}

std::vector<MasterChangeMark> master_changes(Database& db) {
  Statement query = db.prepare("SELECT repository, branch, sha, changed_at FROM master_changes ORDER BY repository");
  std::vector<MasterChangeMark> rows;
  while (query.step()) {
    rows.push_back({{query.column_text(0), query.column_text(1), query.column_text(2)}, query.column_text(3)});
  }
  return rows;
}

}  // namespace calico::store
