// The lp_watches table: uploads the Launchpad watcher follows until their binaries are published.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/launchpad/watch_state.hpp"
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
  launchpad::WatchState state = launchpad::WatchState::waiting;
  std::string detail;
  std::string arches = "[]";
  std::int64_t interval_seconds = 60;
  std::string next_poll_at;
  std::string updated_at;
  std::optional<std::string> finished_at;
  std::optional<std::int64_t> build_id;  // the dispatcher's build that uploaded it, if any
  std::string publication_link;  // its source publication's self_link, once Launchpad shows it
  std::string summary;           // "<publication status>/<build summary status>" last seen
  std::string job;               // the build job that made the upload ("felix/xenial"), when read for a build
};

// When the watches of one PPA are next polled: one schedule per PPA.
struct LpSchedule {
  std::string owner;
  std::string ppa;
  std::int64_t interval_seconds = 60;
  std::string next_poll_at;  // ISO 8601
};

// Adds a watch (or leaves an existing one for the same upload alone). Returns its id.
std::int64_t add_lp_watch(Database& db, const LpWatch& watch);

// Unfinished watches of one PPA, oldest first.
std::vector<LpWatch> unfinished_lp_watches(Database& db, const std::string& owner, const std::string& ppa);

// PPA schedules due at `now` (ISO 8601).
std::vector<LpSchedule> due_lp_schedules(Database& db, const std::string& now);
// The PPAs due at `now`, each pushed out to `hold_until` so no other replica polls it meanwhile
// (the poll sets its real next time; a replica that dies mid-poll leaves it due at `hold_until`).
std::vector<LpSchedule> claim_due_lp_schedules(Database& db, const std::string& now, const std::string& hold_until);
std::optional<LpSchedule> find_lp_schedule(Database& db, const std::string& owner, const std::string& ppa);
// Sets a PPA's schedule. With `sooner`, an existing one keeps whichever poll comes first and the
// shorter interval (a new watch pulls the PPA's next poll in, never pushes it out).
void schedule_lp_poll(Database& db, const LpSchedule& schedule, bool sooner);
void unschedule_lp_poll(Database& db, const std::string& owner, const std::string& ppa);

std::vector<LpWatch> all_lp_watches(Database& db);

// Saves a poll's result. With `changed` (its state, detail or architectures moved), every build
// the upload belongs to is due a new report, in the same transaction.
void update_lp_watch(Database& db, const LpWatch& watch, bool changed = false);

std::vector<LpWatch> lp_watches_of_build(Database& db, std::int64_t build_id);


}  // namespace calico::store
