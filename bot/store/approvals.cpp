#include "bot/store/approvals.hpp"

#include "bot/store/build_queue.hpp"
#include "bot/util/time_format.hpp"

namespace calico::store {

namespace {

constexpr const char* kApprovalSelect =
    "SELECT id, command_id, kind, target_repo, version, request_repository, trigger, requested_by, steps, platforms, "
    "head_sha, pending_description, state, approved_by FROM approvals ";

handlers::BuildRequest::Kind kind_of(const std::string& text) {
  if (text == "release") return handlers::BuildRequest::Kind::release;
  if (text == "nightly") return handlers::BuildRequest::Kind::nightly;
  return handlers::BuildRequest::Kind::command;
}

std::optional<Approval> first(Statement& query) {
  if (!query.step()) return std::nullopt;
  Approval approval;
  approval.id = query.column_int(0);
  approval.command_id = query.column_int(1);
  approval.request.kind = kind_of(query.column_text(2));
  approval.request.target_repo = query.column_text(3);
  approval.request.version = query.column_text(4);
  approval.request.repository = query.column_optional_text(5).value_or("");
  approval.request.trigger = query.column_text(6);
  approval.request.requested_by = query.column_text(7);
  approval.request.steps = split(query.column_text(8));
  approval.request.platforms = split(query.column_text(9));
  approval.head_sha = query.column_text(10);
  approval.pending_description = query.column_text(11);
  approval.state = query.column_text(12) == "approved" ? ApprovalState::approved : ApprovalState::waiting;
  approval.approved_by = query.column_optional_text(13);
  return approval;
}

}  // namespace

void await_approval(Database& db, std::int64_t command_id, const std::string& repository, std::int64_t issue_number,
                    const handlers::BuildRequest& request, const std::string& head_sha, const std::string& pending_description) {
  Statement insert = db.prepare(
      "INSERT INTO approvals (command_id, repository, issue_number, kind, target_repo, version, request_repository, trigger, "
      "requested_by, steps, platforms, head_sha, pending_description, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT (command_id) DO NOTHING");
  const char* kind = request.kind == handlers::BuildRequest::Kind::release   ? "release"
                     : request.kind == handlers::BuildRequest::Kind::nightly ? "nightly"
                                                                             : "command";
  insert.bind(1, command_id).bind(2, repository).bind(3, issue_number).bind(4, kind).bind(5, request.target_repo);
  insert.bind(6, request.version).bind(7, request.repository).bind(8, request.trigger).bind(9, request.requested_by);
  insert.bind(10, join(request.steps)).bind(11, join(request.platforms)).bind(12, head_sha).bind(13, pending_description);
  insert.bind(14, util::utc_now_iso8601());
  insert.run();
}

std::optional<Approval> waiting_approval(Database& db, const std::string& repository, std::int64_t issue_number) {
  Statement query = db.prepare(std::string(kApprovalSelect) +
                               "WHERE repository = ?1 AND issue_number = ?2 AND state = 'waiting' ORDER BY id LIMIT 1");
  query.bind(1, repository).bind(2, issue_number);
  return first(query);
}

std::optional<Approval> find_approval(Database& db, std::int64_t id) {
  Statement query = db.prepare(std::string(kApprovalSelect) + "WHERE id = ?1");
  query.bind(1, id);
  return first(query);
}

std::optional<Approval> approval_given_by(Database& db, std::int64_t approval_command_id) {
  Statement query = db.prepare(std::string(kApprovalSelect) + "WHERE approval_command_id = ?1");
  query.bind(1, approval_command_id);
  return first(query);
}

void mark_approved(Database& db, std::int64_t id, const std::string& approver, std::int64_t approval_command_id) {
  Statement update = db.prepare(
      "UPDATE approvals SET state = 'approved', approved_by = ?2, approval_command_id = ?3, approved_at = ?4 "
      "WHERE id = ?1 AND state = 'waiting'");
  update.bind(1, id).bind(2, approver).bind(3, approval_command_id).bind(4, util::utc_now_iso8601());
  update.run();
  if (db.changes() != 1) throw DatabaseError("approval " + std::to_string(id) + " is not waiting");
}

}  // namespace calico::store
