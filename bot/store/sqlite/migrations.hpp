// SQLite's schema, step by step since the first version; the version lives in PRAGMA user_version.
#pragma once

#include "bot/store/migrations.hpp"

namespace calico::store::sqlite {

const Migrations& migrations();
void set_schema_version(Database& db, int version);

}  // namespace calico::store::sqlite
