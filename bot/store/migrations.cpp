#include "bot/store/migrations.hpp"

#include <string>

#include "bot/log/log.hpp"

namespace calico::store {

void migrate(Database& db, const Migrations& migrations, void (*set_version)(Database&, int)) {
  const int current = db.schema_version();
  const int last = migrations.first_version + static_cast<int>(migrations.steps.size()) - 1;
  if (last != kSchemaVersion) {
    throw DatabaseError("this bot's migrations for " + db.describe() + " end at version " + std::to_string(last) +
                        ", not " + std::to_string(kSchemaVersion));
  }
  if (current > kSchemaVersion) {
    throw DatabaseError("the store " + db.describe() + " has schema version " + std::to_string(current) +
                        ", newer than this bot knows (" + std::to_string(kSchemaVersion) +
                        "); run a calico-release-bot that knows schema version " + std::to_string(current));
  }
  for (std::size_t i = 0; i < migrations.steps.size(); ++i) {
    const int version = migrations.first_version + static_cast<int>(i);
    if (version <= current) continue;
    db.begin();
    try {
      db.exec(migrations.steps[i]);
      set_version(db, version);
      db.exec("COMMIT");
    } catch (...) {
      try {
        db.exec("ROLLBACK");
      } catch (...) {
        // The connection may be gone with the transaction; the error that matters is the first.
      }
      throw;
    }
    log::info("store.migrated", {{"store", db.describe()}, {"version", version}});
  }
}

}  // namespace calico::store
