#include "bot/store/reporting.hpp"

namespace calico::store {

void attach_command(Database& db, std::int64_t request_id, std::int64_t command_id, const std::string& head_sha) {
  Statement update = db.prepare("UPDATE build_requests SET command_id = ?2, head_sha = ?3 WHERE id = ?1");
  update.bind(1, request_id).bind(2, command_id).bind_optional(3, head_sha.empty() ? std::nullopt : std::optional(head_sha));
  update.run();
}

std::optional<std::int64_t> request_of_command(Database& db, std::int64_t command_id) {
  Statement query = db.prepare("SELECT id FROM build_requests WHERE command_id = ?1 ORDER BY id LIMIT 1");
  query.bind(1, command_id);
  if (!query.step()) return std::nullopt;
  return query.column_int(0);
}

BuildOrigin build_origin(Database& db, std::int64_t build_id) {
  Statement query = db.prepare(
      "SELECT r.trigger, r.requested_by, r.command_id, c.repository, c.issue_number, r.head_sha, c.comment_id, r.repository, "
      "r.trigger_commit "
      "FROM builds b JOIN build_requests r ON r.id = b.request_id LEFT JOIN commands c ON c.id = r.command_id "
      "WHERE b.id = ?1");
  query.bind(1, build_id);
  BuildOrigin origin;
  if (!query.step()) return origin;
  origin.trigger = query.column_optional_text(0).value_or("");
  origin.requested_by = query.column_optional_text(1).value_or("");
  if (!query.column_is_null(2)) origin.command_id = query.column_int(2);
  origin.repository = query.column_optional_text(3).value_or("");
  origin.issue_number = query.column_is_null(4) ? 0 : query.column_int(4);
  origin.head_sha = query.column_optional_text(5).value_or("");
  origin.comment_id = query.column_is_null(6) ? 0 : query.column_int(6);
  origin.request_repository = query.column_optional_text(7).value_or("");
  origin.trigger_commit = query.column_optional_text(8).value_or("");
  return origin;
}

std::optional<std::int64_t> latest_build_of_pull_request(Database& db, const std::string& repository, std::int64_t issue_number) {
  Statement query = db.prepare(
      "SELECT b.id FROM builds b JOIN build_requests r ON r.id = b.request_id JOIN commands c ON c.id = r.command_id "
      "WHERE c.repository = ?1 AND c.issue_number = ?2 ORDER BY b.id DESC LIMIT 1");
  query.bind(1, repository).bind(2, issue_number);
  if (!query.step()) return std::nullopt;
  return query.column_int(0);
}

std::optional<std::int64_t> latest_build(Database& db) {
  Statement query = db.prepare("SELECT id FROM builds ORDER BY id DESC LIMIT 1");
  if (!query.step()) return std::nullopt;
  return query.column_int(0);
}

void record_build_source(Database& db, std::int64_t build_id, const std::string& repository, const std::string& sha) {
  Statement insert = db.prepare(
      "INSERT INTO build_sources (build_id, repository, sha) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
  insert.bind(1, build_id).bind(2, repository).bind(3, sha);
  insert.run();
}

std::vector<std::pair<std::string, std::string>> build_sources(Database& db, std::int64_t build_id) {
  Statement query = db.prepare("SELECT repository, sha FROM build_sources WHERE build_id = ?1 ORDER BY repository, sha");
  query.bind(1, build_id);
  std::vector<std::pair<std::string, std::string>> sources;
  while (query.step()) sources.emplace_back(query.column_text(0), query.column_text(1));
  return sources;
}

std::vector<std::pair<std::string, std::string>> sources_changed_since_last_success(Database& db, std::int64_t build_id) {
  Statement query = db.prepare(
      "SELECT s.repository, s.sha FROM build_sources s JOIN builds b ON b.id = s.build_id WHERE s.build_id = ?1 "
      "AND NOT EXISTS (SELECT 1 FROM build_sources earlier_source WHERE earlier_source.repository = s.repository "
      "  AND earlier_source.sha = s.sha AND earlier_source.build_id = ("
      "    SELECT MAX(earlier.id) FROM builds earlier WHERE earlier.target_repo = b.target_repo AND earlier.id < b.id) "
      "  AND (SELECT state FROM builds WHERE id = earlier_source.build_id) = 'succeeded') "
      "ORDER BY s.repository, s.sha");
  query.bind(1, build_id);
  std::vector<std::pair<std::string, std::string>> sources;
  while (query.step()) sources.emplace_back(query.column_text(0), query.column_text(1));
  return sources;
}

std::vector<std::int64_t> builds_to_report(Database& db) {
  Statement query = db.prepare(
      "SELECT id FROM builds WHERE state = 'running' OR reported_state IS NULL OR reported_state != state "
      "OR (reported_publication IS NULL AND EXISTS (SELECT 1 FROM build_lp_watches l WHERE l.build_id = builds.id)) "
      "ORDER BY id");
  std::vector<std::int64_t> ids;
  while (query.step()) ids.push_back(query.column_int(0));
  return ids;
}

void mark_reported(Database& db, std::int64_t build_id, handlers::BuildState state, const std::string& publication) {
  // Only a change is written: the reporter marks running builds on every pass, and an idle pass
  // should not cost a page write and an fsync.
  Statement update = db.prepare(
      "UPDATE builds SET reported_state = ?2, reported_publication = ?3 WHERE id = ?1 AND "
      "(reported_state IS DISTINCT FROM ?2 OR reported_publication IS DISTINCT FROM ?3)");
  update.bind(1, build_id).bind(2, handlers::to_string(state)).bind(3, publication);
  update.run();
}

}  // namespace calico::store
