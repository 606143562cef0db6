// The seam between the store's SQL and an engine: one connection, prepared statements with bound
// parameters (never SQL built from input), errors as exceptions that carry the engine's message.
// The SQL the store writes is the dialect SQLite and PostgreSQL share — numbered parameters
// (?1, ?2 …), ON CONFLICT, RETURNING — so one text serves both; where they differ a connection
// says how (json_text). Each engine's connection lives in its own directory (sqlite/, postgresql/).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <memory>
#include <unordered_map>
#include <vector>

namespace calico::store {

class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One prepared statement of a connection, as an engine implements it.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void bind_text(int index, std::string_view text) = 0;
  virtual void bind_int(int index, std::int64_t value) = 0;
  virtual void bind_null(int index) = 0;
  // Runs the statement on the first call; true while a row is available.
  virtual bool step() = 0;
  // Ready to run again: bindings cleared, rows dropped.
  virtual void reset() = 0;
  // Integers; a boolean result (PostgreSQL's t/f) reads as 1/0.
  virtual std::int64_t column_int(int index) const = 0;
  virtual std::string column_text(int index) const = 0;
  virtual bool column_is_null(int index) const = 0;
  // The SQL it was prepared from: the key it is kept idle under.
  virtual const std::string& sql() const = 0;
};

class Database;

// A prepared statement borrowed from its connection (given back, not finalized, when it goes: the
// intake runs the same few statements thousands of times a second).
class Statement {
 public:
  Statement(Database& owner, Cursor* cursor) : owner_(&owner), cursor_(cursor) {}
  Statement(Statement&& other) noexcept : owner_(other.owner_), cursor_(other.cursor_) { other.cursor_ = nullptr; }
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
  Database* owner_;
  Cursor* cursor_;
};

class Database {
 public:
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  virtual ~Database() = default;

  // Several statements separated by ';' (a migration), or one.
  virtual void exec(std::string_view sql) = 0;
  Statement prepare(std::string_view sql);
  // Rows the last statement inserted, updated or deleted.
  virtual std::int64_t changes() const = 0;
  // Rows changed since the connection opened: whether a batch wrote anything.
  virtual std::int64_t total_changes() const = 0;
  // Starts the transaction a batch of writes runs in (SQLite takes its write lock at once).
  virtual void begin() = 0;
  // The last statement failed because the database would not take a write at all (a full disk,
  // an I/O error, a lost connection), rather than because of what it wrote.
  virtual bool storage_failed() const = 0;
  // The schema version the database holds (0: empty).
  virtual int schema_version() = 0;
  // Where the data lives, for messages: a path, or a URL without its password.
  virtual std::string describe() const = 0;
  // An SQL expression for the text at `field` (a.b.c) of the JSON held in `column`, NULL when the
  // column is not JSON or has no such field.
  virtual std::string json_text(std::string_view column, std::string_view field) const = 0;

  // What replicas sharing a store need; an engine one process has to itself (SQLite's write
  // transaction holds the whole file) gets them for nothing.
  // " FOR UPDATE SKIP LOCKED" after a SELECT that claims rows: rows another replica's transaction
  // holds are passed over, not waited for. "" where a transaction has the whole database.
  virtual std::string_view skip_locked() const = 0;
  // Holds `name`'s lock until the transaction ends: claims that read before they write (one
  // build per target) take turns across replicas.
  virtual void lock_for_transaction(std::string_view name) = 0;
  // Whether this process leads `role` (polling, the nightly decision, recovery, retention): taken
  // when free and kept while the connection lives, so another replica takes over when this one
  // dies. Always true where one process has the store.
  virtual bool lead(std::string_view role) = 0;

 protected:
  // A new prepared statement of this connection.
  virtual std::unique_ptr<Cursor> make_cursor(std::string sql) = 0;
  // Drops every idle statement: a derived connection calls it before it closes (and PostgreSQL
  // when it reconnects), while its statements can still be finalized.
  void forget_cursors();

 private:
  friend class Statement;
  // Back to the idle pool (reset), so the next prepare of the same SQL skips the parser.
  void give_back(Cursor* cursor);
  // Idle prepared statements by SQL text. A connection is used by one thread at a time.
  // (Looked up by the SQL's string_view, without making a string of it: a delivery prepares
  // several statements.)
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  std::unordered_map<std::string, std::vector<std::unique_ptr<Cursor>>, SqlHash, std::equal_to<>> idle_;
  std::size_t idle_count_ = 0;
};

}  // namespace calico::store
