// A thin RAII layer over one SQLite connection: prepared statements with bound parameters (never
// SQL built from input), errors as exceptions that carry SQLite's message.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace calico::store {

class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Database;

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  Statement& bind_optional(int index, const std::optional<std::string>& text);

  // Advances; true while a row is available.
  bool step();
  // Runs a statement that returns no rows.
  void run();
  void reset();

  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;
  std::optional<std::string> column_optional_text(int index) const;
  bool column_is_null(int index) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt, Database* cache, std::string sql);

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  // Prepared through a Database: given back to it (reset) instead of finalized, so that the next
  // prepare of the same SQL skips SQLite's parser — the intake runs the same few statements
  // thousands of times a second.
  Database* cache_ = nullptr;
  std::string sql_;
};

class Database {
 public:
  // Opens (creating if needed) the file in WAL mode with full fsync on commit.
  explicit Database(const std::filesystem::path& path);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // One statement (no ';' inside) runs as a cached prepared statement; several (a migration)
  // through sqlite3_exec.
  void exec(std::string_view sql);
  Statement prepare(std::string_view sql);
  std::int64_t changes() const;
  std::int64_t total_changes() const;
  // The last statement failed because the disk would not take a write (full, I/O error,
  // read-only, cannot open), rather than because of what it wrote.
  bool storage_failed() const;
  std::int64_t last_insert_rowid() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  friend class Statement;
  void give_back(const std::string& sql, sqlite3_stmt* stmt);

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  // Idle prepared statements by SQL text. A connection is used by one thread at a time.
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> idle_;
  std::size_t idle_count_ = 0;
};

}  // namespace calico::store
