#include "bot/store/sqlite/connection.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bot/store/sqlite/wal_batching_vfs.hpp"

namespace calico::store::sqlite {

namespace {
[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw DatabaseError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}
}  // namespace

class Connection::SqliteCursor : public Cursor {
 public:
  SqliteCursor(sqlite3* db, std::string sql) : db_(db), sql_(std::move(sql)) {
    if (sqlite3_prepare_v2(db, sql_.data(), static_cast<int>(sql_.size()), &stmt_, nullptr) != SQLITE_OK) {
      fail(db, "prepare failed for \"" + sql_.substr(0, 60) + "\"");
    }
  }
  ~SqliteCursor() override { sqlite3_finalize(stmt_); }

  void bind_text(int index, std::string_view text) override {
    if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK) {
      fail(db_, "bind failed");
    }
  }
  void bind_int(int index, std::int64_t value) override {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, "bind failed");
  }
  void bind_null(int index) override {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, "bind failed");
  }
  bool step() override {
    if (!stmt_) return false;  // the SQL held no statement (only blanks or a comment)
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "step failed");
  }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::int64_t column_int(int index) const override { return sqlite3_column_int64(stmt_, index); }
  std::string column_text(int index) const override {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
    return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))) : std::string();
  }
  bool column_is_null(int index) const override { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

  const std::string& sql() const override { return sql_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

Connection::Connection(const std::filesystem::path& path) : path_(path) {
  if (path.has_parent_path()) {
    std::error_code ignored;
    std::filesystem::create_directories(path.parent_path(), ignored);
  }
  // The store holds webhook payloads and build logs' paths: readable by its owner only. SQLite
  // gives the -wal and -shm files the database file's mode, so creating it 0600 covers all three.
  if (!std::filesystem::exists(path)) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, wal_batching_vfs()) != SQLITE_OK) {
    std::string message = "cannot open the store " + path.string() + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory");
    sqlite3_close(db_);
    db_ = nullptr;
    throw DatabaseError(message);
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    // WAL lets readers (the status command) work beside the writer; synchronous=FULL makes every
    // commit reach the disk before the 202 that acknowledges what it holds, and is what lets the
    // WAL's writes wait in memory for that sync (wal_batching_vfs.hpp).
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    // A WAL grown under a burst is cut back to this size whenever it restarts, instead of
    // keeping its high-water mark on disk for good.
    exec("PRAGMA journal_size_limit=67108864");
    exec("PRAGMA foreign_keys=ON");
  } catch (...) {
    forget_cursors();
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

Connection::~Connection() {
  forget_cursors();  // finalized before the connection closes
  sqlite3_close(db_);
}

std::int64_t Connection::total_changes() const { return sqlite3_total_changes64(db_); }

bool Connection::storage_failed() const {
  switch (sqlite3_errcode(db_) & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
      return true;
    default:
      return false;
  }
}

void Connection::begin() { exec("BEGIN IMMEDIATE"); }

int Connection::schema_version() {
  Statement statement = prepare("PRAGMA user_version");
  statement.step();
  return static_cast<int>(statement.column_int(0));
}

std::string Connection::json_text(std::string_view column, std::string_view field) const {
  const std::string name(column);
  return "(CASE WHEN json_valid(" + name + ") THEN CAST(json_extract(" + name + ", '$." + std::string(field) +
         "') AS TEXT) END)";
}

void Connection::exec(std::string_view sql) {
  const std::size_t semicolon = sql.find(';');
  if (semicolon == std::string_view::npos || sql.find_first_not_of(" \t\n", semicolon + 1) == std::string_view::npos) {
    try {
      prepare(sql.substr(0, semicolon)).run();
    } catch (const DatabaseError&) {
      throw DatabaseError("\"" + std::string(sql.substr(0, 60)) + "\" failed: " + sqlite3_errmsg(db_));
    }
    return;
  }
  char* message = nullptr;
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw DatabaseError("\"" + std::string(sql.substr(0, 60)) + "\" failed: " + text);
  }
}

std::unique_ptr<Cursor> Connection::make_cursor(std::string sql) { return std::make_unique<SqliteCursor>(db_, std::move(sql)); }

std::int64_t Connection::changes() const { return sqlite3_changes64(db_); }

}  // namespace calico::store::sqlite
