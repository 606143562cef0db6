// What missed-delivery recovery did: the deliveries it asked GitHub to send again and the
// comments it found by re-reading a repository, and where each source's last pass stands.
// /healthz, `status` and the status page show it; the next pass starts from a source's cursor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/store/database.hpp"

namespace calico::store {

enum class RecoveredKind { redelivery, comment };

struct Recovered {
  RecoveredKind kind = RecoveredKind::redelivery;
  std::string reference;  // the delivery's GUID, or "owner/name#<comment id>"
  std::string source;     // the recovery source that found it
  std::string event;
  int requests = 0;       // redeliveries asked for it
  std::string first_at;
  std::string last_at;
};

enum class RecoveryMethod { redeliver, rescan };

struct RecoverySource {
  std::string source;  // "hook 123", "app", "comments owner/name"
  RecoveryMethod method = RecoveryMethod::redeliver;
  std::optional<std::string> cursor;  // newest time fully looked at (ISO-8601)
  std::string last_pass_at;
  std::optional<std::string> last_error;
};

std::optional<Recovered> find_recovered(Database& db, RecoveredKind kind, const std::string& reference);
// Inserts the row, or counts one more request and moves last_at.
void note_recovered(Database& db, RecoveredKind kind, const std::string& reference, const std::string& source,
                    const std::string& event);

std::optional<RecoverySource> find_recovery_source(Database& db, const std::string& source);
void save_recovery_source(Database& db, const RecoverySource& source);

struct RecoverySummary {
  std::vector<RecoverySource> sources;
  std::int64_t redeliveries = 0;  // deliveries asked for again
  std::int64_t redelivered = 0;   // of those, how many the store now holds
  std::int64_t comments = 0;      // comments found by re-reading
  std::optional<std::string> last_recovered_at;
};
RecoverySummary recovery_summary(Database& db);

// A comment the store already holds: its commands, or a delivery carrying it (by webhook, or
// recovered before).
bool comment_known(Database& db, const std::string& repository, std::int64_t comment_id);

std::string_view to_string(RecoveredKind kind);
std::string_view to_string(RecoveryMethod method);

}  // namespace calico::store
