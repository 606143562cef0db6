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
