// The lp_watches table: uploads the Launchpad watcher follows until their binaries are published.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/store/database.hpp"

namespace calico::store {

struct LpWatch {
  std::int64_t id = 0;
  std::string owner;
  std::string ppa;
  std::string source;
  std::string version;
  std::string series;
  std::string uploaded_at;   // ISO 8601
  std::string state = "waiting";
  std::string detail;
  std::string arches = "[]";
  std::int64_t interval_seconds = 60;
  std::string next_poll_at;
  std::string updated_at;
  std::optional<std::string> finished_at;
  std::optional<std::int64_t> build_id;  // the dispatcher's build that uploaded it, if any
};

// Adds a watch (or leaves an existing one for the same upload alone). Returns its id.
std::int64_t add_lp_watch(Database& db, const LpWatch& watch);

// Unfinished watches whose next poll is due at `now` (ISO 8601), oldest first.
std::vector<LpWatch> due_lp_watches(Database& db, const std::string& now);

std::vector<LpWatch> all_lp_watches(Database& db);

void update_lp_watch(Database& db, const LpWatch& watch);

std::vector<LpWatch> lp_watches_of_build(Database& db, std::int64_t build_id);

// A build's Launchpad state from its watches: "published" only when every watched source in
// every series is; "failed" (or "rejected") as soon as one is, naming it; "superseded" when all
// are published or superseded by newer uploads, some superseded; else "waiting".
// Empty when the build uploaded nothing to watch.
struct BuildPublication {
  std::string state;
  std::string detail;
  int published = 0;
  int superseded = 0;  // replaced by newer uploads: final, neutral
  int total = 0;
};
BuildPublication build_publication(const std::vector<LpWatch>& watches);

}  // namespace calico::store
