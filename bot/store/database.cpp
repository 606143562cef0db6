#include "bot/store/database.hpp"


#include <fcntl.h>
#include <unistd.h>

#include <sqlite3.h>

namespace calico::store {

namespace {
[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw DatabaseError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}
}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
    fail(db, "prepare failed for \"" + std::string(sql.substr(0, 60)) + "\"");
  }
}

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, Database* cache, std::string sql)
    : db_(db), stmt_(stmt), cache_(cache), sql_(std::move(sql)) {}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), cache_(other.cache_), sql_(std::move(other.sql_)) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (!stmt_) return;
  if (cache_) {
    cache_->give_back(sql_, stmt_);
  } else {
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK) {
    fail(db_, "bind failed");
  }
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, "bind failed");
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, "bind failed");
  return *this;
}

Statement& Statement::bind_optional(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

bool Statement::step() {
  if (!stmt_) return false;  // the SQL held no statement (only blanks or a comment)
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, "step failed");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))) : std::string();
}

std::optional<std::string> Statement::column_optional_text(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_text(index);
}

bool Statement::column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

Database::Database(const std::filesystem::path& path) : path_(path) {
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
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string message = "cannot open the store " + path.string() + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory");
    sqlite3_close(db_);
    db_ = nullptr;
    throw DatabaseError(message);
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    // WAL lets readers (the status command) work beside the writer; synchronous=FULL makes every
    // commit reach the disk before the 202 that acknowledges what it holds.
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    // A WAL grown under a burst is cut back to this size whenever it restarts, instead of
    // keeping its high-water mark on disk for good.
    exec("PRAGMA journal_size_limit=67108864");
    exec("PRAGMA foreign_keys=ON");
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

std::int64_t Database::total_changes() const { return sqlite3_total_changes64(db_); }

bool Database::storage_failed() const {
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

Database::~Database() {
  for (auto& [sql, statements] : idle_) {
    for (sqlite3_stmt* stmt : statements) sqlite3_finalize(stmt);
  }
  sqlite3_close(db_);
}

void Database::give_back(const std::string& sql, sqlite3_stmt* stmt) {
  // Bounded: SQL text is a fixed set in the bot, but a caller could build it.
  constexpr std::size_t kMaxIdle = 256;
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  std::vector<sqlite3_stmt*>& statements = idle_[sql];
  if (idle_count_ >= kMaxIdle || statements.size() >= 4) {
    sqlite3_finalize(stmt);
    return;
  }
  statements.push_back(stmt);
  ++idle_count_;
}

void Database::exec(std::string_view sql) {
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

Statement Database::prepare(std::string_view sql) {
  std::string key(sql);
  auto it = idle_.find(key);
  if (it != idle_.end() && !it->second.empty()) {
    sqlite3_stmt* stmt = it->second.back();
    it->second.pop_back();
    --idle_count_;
    return Statement(db_, stmt, this, std::move(key));
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, key.data(), static_cast<int>(key.size()), &stmt, nullptr) != SQLITE_OK) {
    fail(db_, "prepare failed for \"" + key.substr(0, 60) + "\"");
  }
  return Statement(db_, stmt, this, std::move(key));
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

}  // namespace calico::store
