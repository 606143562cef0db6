#include "bot/store/outbox.hpp"

#include "bot/util/time_format.hpp"

namespace calico::store {

namespace {

constexpr const char* kOutboxColumns =
    "id, kind, dedupe_key, payload, attempts, next_attempt_at, delivered_at, abandoned_at, last_error, result, created_at, "
    "superseded_by";

OutboxEntry read_row(const Statement& row) {
  OutboxEntry out;
  out.id = row.column_int(0);
  out.message = {message_kind_from(row.column_text(1)), row.column_text(2), row.column_text(3)};
  out.attempts = static_cast<int>(row.column_int(4));
  out.next_attempt_at = row.column_optional_text(5);
  out.delivered_at = row.column_optional_text(6);
  out.abandoned_at = row.column_optional_text(7);
  out.last_error = row.column_optional_text(8);
  out.result = row.column_optional_text(9);
  out.created_at = row.column_text(10);
  if (!row.column_is_null(11)) out.superseded_by = row.column_int(11);
  return out;
}

}  // namespace

std::string_view to_string(MessageKind kind) {
  switch (kind) {
    case MessageKind::reaction: return "reaction";
    case MessageKind::comment: return "comment";
    case MessageKind::summary: return "summary";
    case MessageKind::check: return "check";
    case MessageKind::status: return "status";
    case MessageKind::deployment: return "deployment";
  }
  return "comment";
}

MessageKind message_kind_from(std::string_view text) {
  for (MessageKind kind : {MessageKind::reaction, MessageKind::summary, MessageKind::check, MessageKind::status, MessageKind::deployment}) {
    if (text == to_string(kind)) return kind;
  }
  return MessageKind::comment;
}

bool enqueue_outbox(Database& db, const OutboxMessage& message) {
  Statement insert = db.prepare(
      "INSERT INTO outbox (kind, dedupe_key, payload, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?4) "
      "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id");
  insert.bind(1, std::string(to_string(message.kind))).bind(2, message.dedupe_key).bind(3, message.payload).bind(4, util::utc_now_iso8601());
  if (!insert.step()) return false;  // already queued once
  const std::int64_t id = insert.column_int(0);
  if (!message.replaces.empty()) {
    // In the same transaction: from now on only the newest of these goes out.
    const std::string prefix = message.replaces + ":";
    Statement supersede = db.prepare(
        "UPDATE outbox SET superseded_by = ?3 WHERE id < ?3 AND kind = ?1 "
        "AND delivered_at IS NULL AND abandoned_at IS NULL AND superseded_by IS NULL "
        "AND substr(dedupe_key, 1, ?4) = ?2");
    supersede.bind(1, std::string(to_string(message.kind))).bind(2, prefix).bind(3, id).bind(4, static_cast<std::int64_t>(prefix.size()));
    supersede.run();
  }
  return true;
}

std::vector<OutboxEntry> due_outbox(Database& db, const std::string& now, int limit) {
  Statement query = db.prepare(std::string("SELECT ") + kOutboxColumns +
                               " FROM outbox WHERE delivered_at IS NULL AND abandoned_at IS NULL AND superseded_by IS NULL"
                               " AND (next_attempt_at IS NULL OR next_attempt_at <= ?1)"
                               // another replica's send in progress
                               " AND (lease_until IS NULL OR lease_until < ?1)"
                               // Release statuses go ahead of chatter (comments, reactions): a
                               // burst of replies never delays what a commit shows. Each kind
                               // stays in order.
                               " ORDER BY CASE kind WHEN 'status' THEN 0 WHEN 'check' THEN 0 ELSE 1 END, id LIMIT ?2");
  query.bind(1, now).bind(2, static_cast<std::int64_t>(limit));
  std::vector<OutboxEntry> rows;
  while (query.step()) rows.push_back(read_row(query));
  return rows;
}

void mark_outbox_attempt(Database& db, std::int64_t id) {
  Statement update = db.prepare("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?1");
  update.bind(1, id);
  update.run();
}

void mark_outbox_delivered(Database& db, std::int64_t id, const std::string& result) {
  Statement update = db.prepare("UPDATE outbox SET delivered_at = ?2, result = ?3, last_error = NULL WHERE id = ?1");
  update.bind(1, id).bind(2, util::utc_now_iso8601()).bind(3, result);
  update.run();
}

bool claim_outbox(Database& db, std::int64_t id, const Lease& lease, const std::string& now) {
  Statement claim = db.prepare(
      "UPDATE outbox SET lease_owner = ?2, lease_until = ?3 WHERE id = ?1 AND delivered_at IS NULL AND abandoned_at IS NULL "
      "AND superseded_by IS NULL AND (lease_until IS NULL OR lease_until < ?4 OR lease_owner = ?2)");
  claim.bind(1, id).bind(2, lease.owner).bind(3, lease.until).bind(4, now);
  claim.run();
  return db.changes() == 1;
}

void mark_outbox_retry(Database& db, std::int64_t id, const std::string& next_attempt_at, const std::string& error) {
  Statement update = db.prepare("UPDATE outbox SET next_attempt_at = ?2, last_error = ?3, lease_until = NULL WHERE id = ?1");
  update.bind(1, id).bind(2, next_attempt_at).bind(3, error);
  update.run();
}

void mark_outbox_abandoned(Database& db, std::int64_t id, const std::string& error) {
  Statement update = db.prepare("UPDATE outbox SET abandoned_at = ?2, last_error = ?3 WHERE id = ?1");
  update.bind(1, id).bind(2, util::utc_now_iso8601()).bind(3, error);
  update.run();
}

std::vector<OutboxEntry> outbox_rows(Database& db) {
  Statement query = db.prepare(std::string("SELECT ") + kOutboxColumns + " FROM outbox ORDER BY id");
  std::vector<OutboxEntry> rows;
  while (query.step()) rows.push_back(read_row(query));
  return rows;
}

std::vector<OutboxEntry> abandoned_outbox(Database& db, int limit) {
  Statement query = db.prepare(std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE abandoned_at IS NOT NULL ORDER BY id DESC LIMIT ?1");
  query.bind(1, static_cast<std::int64_t>(limit));
  std::vector<OutboxEntry> rows;
  while (query.step()) rows.push_back(read_row(query));
  return rows;
}

std::int64_t outbox_backlog(Database& db) {
  Statement query = db.prepare(
      "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND abandoned_at IS NULL AND superseded_by IS NULL");
  query.step();
  return query.column_int(0);
}

std::optional<std::int64_t> edited_resource(Database& db, const std::string& edit_key) {
  Statement query = db.prepare("SELECT resource_id FROM edited_resources WHERE edit_key = ?1");
  query.bind(1, edit_key);
  if (!query.step()) return std::nullopt;
  return query.column_int(0);
}

void remember_edited_resource(Database& db, const std::string& edit_key, std::int64_t resource_id) {
  Statement upsert = db.prepare(
      "INSERT INTO edited_resources (edit_key, resource_id, updated_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (edit_key) DO UPDATE SET resource_id = ?2, updated_at = ?3");
  upsert.bind(1, edit_key).bind(2, resource_id).bind(3, util::utc_now_iso8601());
  upsert.run();
}

void forget_edited_resource(Database& db, const std::string& edit_key) {
  Statement remove = db.prepare("DELETE FROM edited_resources WHERE edit_key = ?1");
  remove.bind(1, edit_key);
  remove.run();
}

}  // namespace calico::store
