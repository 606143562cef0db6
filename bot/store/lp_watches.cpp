#include "bot/store/lp_watches.hpp"

namespace calico::store {

namespace {
constexpr std::string_view kColumns =
    "id, owner, ppa, source, version, series, uploaded_at, state, detail, arches, interval_seconds, next_poll_at, "
    "updated_at, finished_at, build_id";

LpWatch read_row(const Statement& row) {
  LpWatch w;
  w.id = row.column_int(0);
  w.owner = row.column_text(1);
  w.ppa = row.column_text(2);
  w.source = row.column_text(3);
  w.version = row.column_text(4);
  w.series = row.column_text(5);
  w.uploaded_at = row.column_text(6);
  w.state = row.column_text(7);
  w.detail = row.column_text(8);
  w.arches = row.column_text(9);
  w.interval_seconds = row.column_int(10);
  w.next_poll_at = row.column_text(11);
  w.updated_at = row.column_text(12);
  w.finished_at = row.column_optional_text(13);
  if (!row.column_is_null(14)) w.build_id = row.column_int(14);
  return w;
}

std::vector<LpWatch> query(Database& db, const std::string& where, const std::optional<std::string>& now) {
  Statement statement = db.prepare("SELECT " + std::string(kColumns) + " FROM lp_watches " + where + " ORDER BY id");
  if (now) statement.bind(1, *now);
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
    Statement link = db.prepare("INSERT OR IGNORE INTO build_lp_watches (build_id, watch_id) VALUES (?1, ?2)");
    link.bind(1, *watch.build_id).bind(2, id);
    link.run();
  }
  return id;
}

std::vector<LpWatch> due_lp_watches(Database& db, const std::string& now) {
  return query(db, "WHERE finished_at IS NULL AND next_poll_at <= ?1", now);
}

std::vector<LpWatch> all_lp_watches(Database& db) { return query(db, "", std::nullopt); }

std::vector<LpWatch> lp_watches_of_build(Database& db, std::int64_t build_id) {
  return query(db, "WHERE id IN (SELECT watch_id FROM build_lp_watches WHERE build_id = ?1)", std::to_string(build_id));
}

BuildPublication build_publication(const std::vector<LpWatch>& watches) {
  BuildPublication result;
  result.total = static_cast<int>(watches.size());
  if (watches.empty()) return result;
  for (const LpWatch& watch : watches) {
    if ((watch.state == "failed" || watch.state == "rejected") && result.state.empty()) {
      // The first failure is the build's news at once; the others keep being watched.
      result.state = watch.state;
      result.detail = watch.source + " " + watch.version + ": " + watch.detail;
    }
    result.published += watch.state == "published";
    result.superseded += watch.state == "superseded";
  }
  if (result.state.empty()) {
    // A superseded upload is final and neutral: a newer one replaced it.
    const bool settled = result.published + result.superseded == result.total;
    result.state = !settled ? "waiting" : result.superseded ? "superseded" : "published";
    result.detail = std::to_string(result.published) + " of " + std::to_string(result.total) + " uploads published" +
                    (result.superseded ? ", " + std::to_string(result.superseded) + " superseded by newer uploads" : "");
  }
  return result;
}

void update_lp_watch(Database& db, const LpWatch& watch) {
  Statement update = db.prepare(
      "UPDATE lp_watches SET state = ?2, detail = ?3, arches = ?4, interval_seconds = ?5, next_poll_at = ?6, "
      "updated_at = ?7, finished_at = ?8 WHERE id = ?1");
  update.bind(1, watch.id).bind(2, watch.state).bind(3, watch.detail).bind(4, watch.arches);
  update.bind(5, watch.interval_seconds).bind(6, watch.next_poll_at).bind(7, watch.updated_at);
  update.bind_optional(8, watch.finished_at);
  update.run();
}

}  // namespace calico::store
