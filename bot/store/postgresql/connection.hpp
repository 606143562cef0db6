// One PostgreSQL connection through libpq: the engine several replicas share. The store's SQL
// numbers its parameters as ?1, ?2 …; they become $1, $2 … here, and each text is prepared once
// per session. Every value travels as text, typed by the server from where it is used.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "bot/store/database.hpp"
#include "config/secret.hpp"

struct pg_conn;
struct pg_result;

namespace calico::store::postgresql {

// `?N` → `$N` outside quoted literals and identifiers.
std::string number_parameters(std::string_view sql);
// The connection string (URL or keywords) as it may be shown: user, host, port and database only.
std::string redacted(const std::string& conninfo);

class Connection : public Database {
 public:
  // Connects to `conninfo` (a postgresql:// URL or libpq keywords) with `password` when not empty
  // (it overrides any in `conninfo`). Throws DatabaseError with libpq's reason.
  Connection(const std::string& conninfo, config::Secret password);
  ~Connection() override;

  void exec(std::string_view sql) override;
  std::int64_t changes() const override { return changes_; }
  std::int64_t total_changes() const override { return total_changes_; }
  // Connects again first when the connection was lost.
  void begin() override;
  bool storage_failed() const override;
  int schema_version() override;
  std::string describe() const override { return description_; }
  std::string json_text(std::string_view column, std::string_view field) const override;
  std::string_view skip_locked() const override { return " FOR UPDATE SKIP LOCKED"; }
  void lock_for_transaction(std::string_view name) override;
  bool lead(std::string_view role) override;

  // The server's version, "15.18" say.
  std::string server_version() const;

 protected:
  std::unique_ptr<Cursor> make_cursor(std::string sql) override;

 private:
  class PgCursor;
  friend class PgCursor;
  void connect();
  // Records the outcome of a command (rows changed, SQLSTATE) and throws on failure.
  void check(pg_result* result, std::string_view what);
  const std::string& statement_name(const std::string& sql);

  std::string conninfo_;
  config::Secret password_;
  std::string description_;
  pg_conn* conn_ = nullptr;
  std::int64_t changes_ = 0;
  std::int64_t total_changes_ = 0;
  std::string last_sqlstate_;
  bool lost_ = false;
  // Statements prepared on this session, by SQL text (gone with a reconnect).
  std::unordered_map<std::string, std::string> prepared_;
  // Roles this session holds the advisory lock of (gone with a reconnect).
  std::unordered_map<std::string, bool> leading_;
};

}  // namespace calico::store::postgresql
