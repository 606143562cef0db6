#include "bot/store/recovery.hpp"

#include "bot/util/time_format.hpp"

namespace calico::store {

std::string_view to_string(RecoveredKind kind) { return kind == RecoveredKind::redelivery ? "redelivery" : "comment"; }

std::string_view to_string(RecoveryMethod method) { return method == RecoveryMethod::redeliver ? "redeliver" : "rescan"; }

std::optional<Recovered> find_recovered(Database& db, RecoveredKind kind, const std::string& reference) {
  Statement query = db.prepare(
      "SELECT source, event, requests, first_at, last_at FROM recovered WHERE kind = ?1 AND reference = ?2");
  query.bind(1, to_string(kind)).bind(2, reference);
  if (!query.step()) return std::nullopt;
  return Recovered{kind,
                   reference,
                   query.column_text(0),
                   query.column_text(1),
                   static_cast<int>(query.column_int(2)),
                   query.column_text(3),
                   query.column_text(4)};
}

void note_recovered(Database& db, RecoveredKind kind, const std::string& reference, const std::string& source,
                    const std::string& event) {
  Statement upsert = db.prepare(
      "INSERT INTO recovered (kind, reference, source, event, first_at, last_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) "
      "ON CONFLICT (kind, reference) DO UPDATE SET requests = recovered.requests + 1, last_at = ?5");
  upsert.bind(1, to_string(kind)).bind(2, reference).bind(3, source).bind(4, event).bind(5, util::utc_now_iso8601());
  upsert.run();
}

namespace {
RecoverySource read_source(const Statement& row) {
  return {row.column_text(0), row.column_text(1) == "rescan" ? RecoveryMethod::rescan : RecoveryMethod::redeliver,
          row.column_optional_text(2), row.column_text(3), row.column_optional_text(4)};
}
constexpr const char* kSourceColumns = "SELECT source, method, cursor, last_pass_at, last_error FROM recovery_sources ";
}  // namespace

std::optional<RecoverySource> find_recovery_source(Database& db, const std::string& source) {
  Statement query = db.prepare(std::string(kSourceColumns) + "WHERE source = ?1");
  query.bind(1, source);
  if (!query.step()) return std::nullopt;
  return read_source(query);
}

void save_recovery_source(Database& db, const RecoverySource& source) {
  Statement upsert = db.prepare(
      "INSERT INTO recovery_sources (source, method, cursor, last_pass_at, last_error) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT (source) DO UPDATE SET method = ?2, cursor = ?3, last_pass_at = ?4, last_error = ?5");
  upsert.bind(1, source.source).bind(2, to_string(source.method)).bind_optional(3, source.cursor);
  upsert.bind(4, source.last_pass_at).bind_optional(5, source.last_error);
  upsert.run();
}

RecoverySummary recovery_summary(Database& db) {
  RecoverySummary summary;
  Statement sources = db.prepare(std::string(kSourceColumns) + "ORDER BY source");
  while (sources.step()) summary.sources.push_back(read_source(sources));
  Statement counts = db.prepare(
      "SELECT COALESCE(SUM(CASE WHEN kind = 'redelivery' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN kind = 'redelivery' AND EXISTS (SELECT 1 FROM deliveries WHERE deliveries.guid = "
      "recovered.reference) THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN kind = 'comment' THEN 1 ELSE 0 END), 0), MAX(last_at) FROM recovered");
  counts.step();
  summary.redeliveries = counts.column_int(0);
  summary.redelivered = counts.column_int(1);
  summary.comments = counts.column_int(2);
  summary.last_recovered_at = counts.column_optional_text(3);
  return summary;
}

bool comment_known(Database& db, const std::string& repository, std::int64_t comment_id) {
  Statement query = db.prepare(
      "SELECT EXISTS (SELECT 1 FROM commands WHERE repository = ?1 AND comment_id = ?2) OR "
      "EXISTS (SELECT 1 FROM deliveries WHERE repository = ?1 AND event = 'issue_comment' "
      "AND " + db.json_text("payload", "comment.id") + " = ?3)");
  query.bind(1, repository).bind(2, comment_id).bind(3, std::to_string(comment_id));
  query.step();
  return query.column_int(0) != 0;
}

}  // namespace calico::store
