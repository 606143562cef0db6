#include "bot/store/postgresql/engine.hpp"

#include "bot/store/postgresql/migrations.hpp"

namespace calico::store::postgresql {

namespace {
// pg_advisory_lock's key for migrations: any constant the bot alone uses ("calico" in ASCII).
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(99097108105099111)";
constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(99097108105099111)";
}  // namespace

std::unique_ptr<Connection> open_migrated(const std::string& url, const config::Secret& password) {
  auto db = std::make_unique<Connection>(url, password);
  // Replicas started together: the first migrates, the others wait here and then find nothing to do.
  db->exec(kMigrationLock);
  try {
    migrate(*db, migrations(), set_schema_version);
  } catch (...) {
    try {
      db->exec(kMigrationUnlock);
    } catch (...) {
      // The session ends with the connection, and its lock with it.
    }
    throw;
  }
  db->exec(kMigrationUnlock);
  return db;
}

std::unique_ptr<Database> Engine::open() { return open_migrated(url_, password_); }

Inspection Engine::inspect() {
  Connection db(url_, password_);
  return {db.schema_version(), db.describe(), "PostgreSQL " + db.server_version()};
}

void Engine::probe(Database& db) { db.exec("UPDATE calico_schema_version SET version = version"); }

}  // namespace calico::store::postgresql
