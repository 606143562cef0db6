#include "bot/store/lp_watches.hpp"

namespace calico::store {

namespace {
constexpr std::string_view kWatchColumns =
    "w.id, w.owner, w.ppa, w.source, w.version, w.series, w.uploaded_at, w.state, w.detail, w.arches, w.interval_seconds, "
    "w.next_poll_at, w.updated_at, w.finished_at, w.build_id, w.publication_link, w.summary";

LpWatch read_row(const Statement& row) {
  LpWatch w;
  w.id = row.column_int(0);
  w.owner = row.column_text(1);
  w.ppa = row.column_text(2);
  w.source = row.column_text(3);
  w.version = row.column_text(4);
  w.series = row.column_text(5);
  w.uploaded_at = row.column_text(6);
  w.state = launchpad::watch_state_from(row.column_text(7));
  w.detail = row.column_text(8);
  w.arches = row.column_text(9);
  w.interval_seconds = row.column_int(10);
  w.next_poll_at = row.column_text(11);
  w.updated_at = row.column_text(12);
  w.finished_at = row.column_optional_text(13);
  if (!row.column_is_null(14)) w.build_id = row.column_int(14);
  w.publication_link = row.column_text(15);
  w.summary = row.column_text(16);
  return w;
}

std::vector<LpWatch> query(Database& db, const std::string& where, const std::vector<std::string>& values) {
  Statement statement = db.prepare("SELECT " + std::string(kWatchColumns) + " FROM lp_watches w " + where + " ORDER BY w.id");
  for (std::size_t i = 0; i < values.size(); ++i) statement.bind(static_cast<int>(i + 1), values[i]);
  std::vector<LpWatch> rows;
  while (statement.step()) rows.push_back(read_row(statement));
  return rows;
}
}  // namespace

std::int64_t add_lp_watch(Database& db, const LpWatch& watch) {
  Statement insert = db.prepare(
      "INSERT INTO lp_watches (owner, ppa, source, version, series, uploaded_at, interval_seconds, next_poll_at, updated_at, "
      "build_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?6, ?9) ON CONFLICT (owner, ppa, source, version, series) DO NOTHING");
  insert.bind(1, watch.owner).bind(2, watch.ppa).bind(3, watch.source).bind(4, watch.version).bind(5, watch.series);
  insert.bind(6, watch.uploaded_at).bind(7, watch.interval_seconds).bind(8, watch.next_poll_at);
  if (watch.build_id) insert.bind(9, *watch.build_id);
  else insert.bind_null(9);
  insert.run();
  Statement find = db.prepare("SELECT id FROM lp_watches WHERE owner = ?1 AND ppa = ?2 AND source = ?3 AND version = ?4 AND series = ?5");
  find.bind(1, watch.owner).bind(2, watch.ppa).bind(3, watch.source).bind(4, watch.version).bind(5, watch.series);
  find.step();
  const std::int64_t id = find.column_int(0);
  if (watch.build_id) {
    // The watch may be older (a retry found the upload already in the archive): it belongs to this
    // build too.
    Statement link = db.prepare("INSERT INTO build_lp_watches (build_id, watch_id, job) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
    link.bind(1, *watch.build_id).bind(2, id).bind(3, watch.job);
    link.run();
    Statement due = db.prepare("UPDATE builds SET reported_publication = NULL WHERE id = ?1");
    due.bind(1, *watch.build_id);
    due.run();
  }
  return id;
}

std::vector<LpWatch> unfinished_lp_watches(Database& db, const std::string& owner, const std::string& ppa) {
  return query(db, "WHERE w.finished_at IS NULL AND w.owner = ?1 AND w.ppa = ?2", {owner, ppa});
}

std::vector<LpWatch> all_lp_watches(Database& db) { return query(db, "", {}); }

std::vector<LpWatch> lp_watches_of_build(Database& db, std::int64_t build_id) {
  Statement statement = db.prepare("SELECT " + std::string(kWatchColumns) +
                                   ", l.job FROM lp_watches w JOIN build_lp_watches l ON l.watch_id = w.id "
                                   "WHERE l.build_id = ?1 ORDER BY w.id");
  statement.bind(1, build_id);
  std::vector<LpWatch> rows;
  while (statement.step()) {
    rows.push_back(read_row(statement));
    rows.back().job = statement.column_text(17);
  }
  return rows;
}

namespace {
std::vector<LpSchedule> schedules(Database& db, const std::string& where, const std::vector<std::string>& values) {
  Statement statement =
      db.prepare("SELECT owner, ppa, interval_seconds, next_poll_at FROM lp_ppa_schedules " + where + " ORDER BY next_poll_at");
  for (std::size_t i = 0; i < values.size(); ++i) statement.bind(static_cast<int>(i + 1), values[i]);
  std::vector<LpSchedule> rows;
  while (statement.step()) {
    rows.push_back({statement.column_text(0), statement.column_text(1), statement.column_int(2), statement.column_text(3)});
  }
  return rows;
}
}  // namespace

std::vector<LpSchedule> due_lp_schedules(Database& db, const std::string& now) {
  return schedules(db, "WHERE next_poll_at <= ?1", {now});
}

std::vector<LpSchedule> claim_due_lp_schedules(Database& db, const std::string& now, const std::string& hold_until) {
  Statement claim = db.prepare(
      "UPDATE lp_ppa_schedules SET next_poll_at = ?2 WHERE (owner, ppa) IN (SELECT owner, ppa FROM lp_ppa_schedules "
      "WHERE next_poll_at <= ?1" + std::string(db.skip_locked()) + ") RETURNING owner, ppa, interval_seconds");
  claim.bind(1, now).bind(2, hold_until);
  std::vector<LpSchedule> rows;
  while (claim.step()) rows.push_back({claim.column_text(0), claim.column_text(1), claim.column_int(2), now});
  return rows;
}

std::optional<LpSchedule> find_lp_schedule(Database& db, const std::string& owner, const std::string& ppa) {
  auto rows = schedules(db, "WHERE owner = ?1 AND ppa = ?2", {owner, ppa});
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

void schedule_lp_poll(Database& db, const LpSchedule& schedule, bool sooner) {
  Statement upsert = db.prepare(
      sooner ? "INSERT INTO lp_ppa_schedules (owner, ppa, interval_seconds, next_poll_at) VALUES (?1, ?2, ?3, ?4) "
               "ON CONFLICT (owner, ppa) DO UPDATE SET interval_seconds = CASE WHEN excluded.interval_seconds < "
               "lp_ppa_schedules.interval_seconds THEN excluded.interval_seconds ELSE lp_ppa_schedules.interval_seconds END, "
               "next_poll_at = CASE WHEN excluded.next_poll_at < lp_ppa_schedules.next_poll_at THEN excluded.next_poll_at "
               "ELSE lp_ppa_schedules.next_poll_at END"
             : "INSERT INTO lp_ppa_schedules (owner, ppa, interval_seconds, next_poll_at) VALUES (?1, ?2, ?3, ?4) "
               "ON CONFLICT (owner, ppa) DO UPDATE SET interval_seconds = excluded.interval_seconds, "
               "next_poll_at = excluded.next_poll_at");
  upsert.bind(1, schedule.owner).bind(2, schedule.ppa).bind(3, schedule.interval_seconds).bind(4, schedule.next_poll_at);
  upsert.run();
}

void unschedule_lp_poll(Database& db, const std::string& owner, const std::string& ppa) {
  Statement remove = db.prepare("DELETE FROM lp_ppa_schedules WHERE owner = ?1 AND ppa = ?2");
  remove.bind(1, owner).bind(2, ppa);
  remove.run();
}

void update_lp_watch(Database& db, const LpWatch& watch, bool changed) {
  Statement update = db.prepare(
      "UPDATE lp_watches SET state = ?2, detail = ?3, arches = ?4, interval_seconds = ?5, next_poll_at = ?6, "
      "updated_at = ?7, finished_at = ?8, publication_link = ?9, summary = ?10 WHERE id = ?1");
  update.bind(1, watch.id).bind(2, std::string(launchpad::to_string(watch.state))).bind(3, watch.detail).bind(4, watch.arches);
  update.bind(5, watch.interval_seconds).bind(6, watch.next_poll_at).bind(7, watch.updated_at);
  update.bind_optional(8, watch.finished_at);
  update.bind(9, watch.publication_link).bind(10, watch.summary);
  update.run();
  if (changed) {
    Statement due = db.prepare(
        "UPDATE builds SET reported_publication = NULL WHERE id IN (SELECT build_id FROM build_lp_watches WHERE watch_id = ?1)");
    due.bind(1, watch.id);
    due.run();
  }
}

}  // namespace calico::store
