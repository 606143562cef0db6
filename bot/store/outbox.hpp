// The outbox: every write the bot makes on GitHub (reactions, comments, commit statuses) is first
// a row here, written in the same transaction as the state change it reports. A sender takes due
// rows, sends them, and marks them delivered; a crash loses nothing and the unique dedupe key
// means the same message is never queued twice.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/store/database.hpp"
#include "bot/store/replicas.hpp"

namespace calico::store {

// What a message does on GitHub. Summaries and check runs are edited in place once created;
// statuses and check runs are sent before everything else.
// A deployment is created once and then given statuses (each a new POST to it).
enum class MessageKind { reaction, comment, summary, check, status, deployment };
std::string_view to_string(MessageKind kind);
MessageKind message_kind_from(std::string_view text);  // unknown text: comment
// Created once, then edited in place (a summary comment, a check run).
inline bool edited_in_place(MessageKind kind) {
  return kind == MessageKind::summary || kind == MessageKind::check || kind == MessageKind::deployment;
}

struct OutboxMessage {
  MessageKind kind = MessageKind::comment;
  std::string dedupe_key;  // e.g. "status:projectcalico/felix:<sha>:calico-3.4:build-7:success"
  std::string payload;     // JSON: {"method", "path", "body"} (see bot/github/messages.hpp)
  // What it replaces: a commit status replaces every unsent status of the same commit and context
  // ("status:<owner/name>:<sha>:<context>"), so an older status retried after a newer one never
  // overwrites it. Queued messages whose dedupe key starts with this and ":" are superseded.
  std::string replaces = {};
};

struct OutboxEntry {
  std::int64_t id = 0;
  OutboxMessage message;
  int attempts = 0;        // sends started; >0 on a due row: an earlier send's fate is unknown
  std::optional<std::string> next_attempt_at;
  std::optional<std::string> delivered_at;
  std::optional<std::string> abandoned_at;
  std::optional<std::string> last_error;
  std::optional<std::string> result;  // what GitHub answered on delivery (the created resource's URL)
  std::optional<std::int64_t> superseded_by;  // a newer message made this one pointless; never sent
  std::string created_at;
};

// Queues a message; false when one with its dedupe key was queued before (nothing changes then).
bool enqueue_outbox(Database& db, const OutboxMessage& message);

// Undelivered, not abandoned rows whose next attempt is due at `now` (ISO 8601): commit statuses
// first, then comments and reactions; each oldest first.
std::vector<OutboxEntry> due_outbox(Database& db, const std::string& now, int limit);

// Before a send: counts the attempt, so that after a crash the sender knows one may have arrived.
void mark_outbox_attempt(Database& db, std::int64_t id);
void mark_outbox_delivered(Database& db, std::int64_t id, const std::string& result);
// Makes a due message `lease.owner`'s to send until `lease.until`: false when it is not due any
// more or another replica is sending it.
bool claim_outbox(Database& db, std::int64_t id, const Lease& lease, const std::string& now);
void mark_outbox_retry(Database& db, std::int64_t id, const std::string& next_attempt_at, const std::string& error);
void mark_outbox_abandoned(Database& db, std::int64_t id, const std::string& error);

// What GitHub holds for a message edited in place (a summary comment, a check run) once it was
// created or found: its id under the message's stable key (OutboxMessage::replaces).
std::optional<std::int64_t> edited_resource(Database& db, const std::string& edit_key);
void remember_edited_resource(Database& db, const std::string& edit_key, std::int64_t resource_id);
void forget_edited_resource(Database& db, const std::string& edit_key);

std::vector<OutboxEntry> outbox_rows(Database& db);  // all of them, oldest first (tests, status)
std::int64_t outbox_backlog(Database& db);         // undelivered, not abandoned
std::vector<OutboxEntry> abandoned_outbox(Database& db, int limit);  // given up on, newest first

}  // namespace calico::store
