// PostgreSQL's schema. It starts at SQLite's version 21 in one step (the engine came then); later
// versions are steps in both lists. The version lives in calico_schema_version.
#pragma once

#include "bot/store/migrations.hpp"

namespace calico::store::postgresql {

const Migrations& migrations();
void set_schema_version(Database& db, int version);

}  // namespace calico::store::postgresql
