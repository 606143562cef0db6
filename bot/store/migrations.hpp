// The schema, as numbered migrations applied in order, one transaction each. Every engine keeps
// its own list in its own dialect, and every list reaches the same version: a version names one
// schema whatever the engine. A store written by a newer bot is refused rather than guessed at.
#pragma once

#include <span>
#include <string_view>

#include "bot/store/database.hpp"

namespace calico::store {

// The version this bot's schema has.
constexpr int kSchemaVersion = 22;

// Steps whose SQL both engines read alike, in both lists.
// 22: several replicas on one store: who they are, and which of them holds each running build and
// each message being sent, until when. (SQLite reads BIGINT as an integer.)
inline constexpr std::string_view kReplicasStep = R"sql(
CREATE TABLE replicas (
  id            TEXT PRIMARY KEY,                  -- chosen at each start
  host          TEXT NOT NULL,
  pid           BIGINT NOT NULL,
  version       TEXT NOT NULL,                     -- the bot's version
  started_at    TEXT NOT NULL,
  heartbeat_at  TEXT NOT NULL,
  stopped_at    TEXT                               -- a graceful stop; a crash leaves it NULL
);
ALTER TABLE builds ADD COLUMN owner TEXT;          -- the replica running it
ALTER TABLE builds ADD COLUMN lease_until TEXT;    -- renewed by its heartbeat; after it, another takes it over
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;    -- the replica sending it
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
)sql";

struct Migrations {
  // The version the first step brings an empty database to (an engine added later starts from
  // the schema of its day in one step).
  int first_version = 1;
  std::span<const std::string_view> steps;
};

inline int schema_version(Database& db) { return db.schema_version(); }
inline int latest_schema_version() { return kSchemaVersion; }

// Applies every step above the database's version. Throws DatabaseError, naming the version this
// bot needs when the database holds a newer one.
void migrate(Database& db, const Migrations& migrations, void (*set_version)(Database&, int));

}  // namespace calico::store
