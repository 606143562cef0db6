#include "bot/store/sqlite/engine.hpp"

#include <unistd.h>

#include "bot/log/log.hpp"
#include "bot/store/sqlite/migrations.hpp"

namespace calico::store::sqlite {

std::unique_ptr<Database> Engine::open() {
  auto db = std::make_unique<Connection>(path_);
  migrate(*db, migrations(), set_schema_version);
  db->exec("PRAGMA wal_autocheckpoint=0");
  checkpoint_db_ = std::make_unique<Connection>(path_);
  return db;
}

Inspection Engine::inspect() {
  std::error_code ec;
  if (std::filesystem::exists(path_, ec)) {
    if (std::filesystem::is_directory(path_, ec)) throw DatabaseError("is a directory, not a SQLite file");
    if (::access(path_.c_str(), R_OK | W_OK) != 0) throw DatabaseError("cannot be read and written by this user");
    try {
      Connection db(path_);
      return {db.schema_version(), path_.string(), ""};
    } catch (const std::exception& e) {
      throw DatabaseError(std::string("cannot be opened: ") + e.what());
    }
  }
  // Not there yet: serve creates it, and the directories above it.
  std::filesystem::path existing = path_.has_parent_path() ? path_.parent_path() : std::filesystem::current_path();
  while (!existing.empty() && !std::filesystem::exists(existing, ec)) existing = existing.parent_path();
  if (existing.empty()) existing = ".";
  if (!std::filesystem::is_directory(existing, ec)) {
    throw DatabaseError("cannot be created: " + existing.string() + " is not a directory");
  }
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    throw DatabaseError("cannot be created: " + existing.string() + " is not writable by this user");
  }
  return {0, path_.string(), ""};
}

void Engine::probe(Database& db) {
  // Rewrites the header's user_version with its own value: one page through the WAL.
  set_schema_version(db, db.schema_version());
}

void Engine::maintain(bool idle) {
  if (!checkpoint_db_) return;
  if (!idle) truncated_ = false;
  if (idle && truncated_) return;
  // Busy: copy back what readers allow, without waiting for them. Idle (no commit for a whole
  // pass): copy everything back and truncate the WAL to zero bytes.
  const char* sql = idle ? "PRAGMA wal_checkpoint(TRUNCATE)" : "PRAGMA wal_checkpoint(PASSIVE)";
  try {
    Statement result = checkpoint_db_->prepare(sql);
    // (busy, log frames, checkpointed frames): a TRUNCATE that a reader kept from finishing is
    // tried again at the next idle pass.
    if (result.step() && idle && result.column_int(0) == 0) truncated_ = true;
  } catch (const std::exception& e) {
    log::warn("store.checkpoint_failed", {{"error", e.what()}});
  }
}

void Engine::close(Database& db) {
  checkpoint_db_.reset();
  try {
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (const std::exception& e) {
    log::warn("store.checkpoint_failed", {{"error", e.what()}});
  }
}

}  // namespace calico::store::sqlite
