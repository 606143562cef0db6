// The schema, as numbered migrations applied in order inside one transaction each. The version
// lives in PRAGMA user_version. A store written by a newer bot is refused rather than guessed at.
#pragma once

#include "bot/store/database.hpp"

namespace calico::store {

int schema_version(Database& db);
int latest_schema_version();
// Applies every migration above the file's version. Throws DatabaseError.
void migrate(Database& db);

}  // namespace calico::store
