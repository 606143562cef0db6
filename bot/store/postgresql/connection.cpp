#include "bot/store/postgresql/connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>

namespace calico::store::postgresql {

namespace {

// Parameters numbered ?N in `sql`, translated, and the highest N.
struct Numbered {
  std::string sql;
  int parameters = 0;
};

Numbered number(std::string_view sql) {
  Numbered out;
  out.sql.reserve(sql.size());
  char quote = 0;  // inside '…' or "…"
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
      out.sql += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out.sql += c;
      continue;
    }
    if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      std::size_t end = i + 1;
      int n = 0;
      while (end < sql.size() && sql[end] >= '0' && sql[end] <= '9') n = n * 10 + (sql[end++] - '0');
      out.parameters = std::max(out.parameters, n);
      out.sql += '$';
      out.sql.append(sql.substr(i + 1, end - i - 1));
      i = end - 1;
      continue;
    }
    out.sql += c;
  }
  return out;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

void ignore_notice(void*, const char*) {}

}  // namespace

std::string number_parameters(std::string_view sql) { return number(sql).sql; }

std::string redacted(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (!options) {
    std::string reason = error ? trimmed(error) : "out of memory";
    PQfreemem(error);
    return "(a PostgreSQL connection string libpq cannot read: " + reason + ")";
  }
  std::string user, host, port, dbname;
  for (PQconninfoOption* option = options; option->keyword; ++option) {
    if (!option->val) continue;
    const std::string_view keyword = option->keyword;
    if (keyword == "user") user = option->val;
    if (keyword == "host" || (keyword == "hostaddr" && host.empty())) host = option->val;
    if (keyword == "port") port = option->val;
    if (keyword == "dbname") dbname = option->val;
  }
  PQconninfoFree(options);
  return "postgresql://" + (user.empty() ? "" : user + "@") + (host.empty() ? "localhost" : host) +
         (port.empty() ? "" : ":" + port) + "/" + dbname;
}

class Connection::PgCursor : public Cursor {
 public:
  PgCursor(Connection& owner, std::string sql) : owner_(owner), sql_(std::move(sql)) {
    Numbered numbered = number(sql_);
    translated_ = std::move(numbered.sql);
    values_.resize(static_cast<std::size_t>(numbered.parameters));
  }
  ~PgCursor() override { PQclear(result_); }

  void bind_text(int index, std::string_view text) override { slot(index) = std::string(text); }
  void bind_int(int index, std::int64_t value) override { slot(index) = std::to_string(value); }
  void bind_null(int index) override { slot(index).reset(); }

  bool step() override {
    if (!result_) {
      if (owner_.lost_) throw DatabaseError("the connection to the store " + owner_.description_ + " is lost");
      const std::string& name = owner_.statement_name(translated_);
      std::vector<const char*> values(values_.size());
      for (std::size_t i = 0; i < values_.size(); ++i) values[i] = values_[i] ? values_[i]->c_str() : nullptr;
      PGresult* result = PQexecPrepared(owner_.conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                                        nullptr, nullptr, 0);
      owner_.check(result, "\"" + sql_.substr(0, 60) + "\" failed");
      result_ = result;
      rows_ = PQntuples(result_);
      row_ = -1;
    }
    return ++row_ < rows_;
  }
  void reset() override {
    PQclear(result_);
    result_ = nullptr;
    for (auto& value : values_) value.reset();
  }
  std::int64_t column_int(int index) const override {
    const char* text = PQgetvalue(result_, row_, index);
    if (text[0] == 't' && text[1] == 0) return 1;  // a boolean
    if (text[0] == 'f' && text[1] == 0) return 0;
    std::int64_t value = 0;
    std::from_chars(text, text + std::char_traits<char>::length(text), value);
    return value;
  }
  std::string column_text(int index) const override {
    return std::string(PQgetvalue(result_, row_, index), static_cast<std::size_t>(PQgetlength(result_, row_, index)));
  }
  bool column_is_null(int index) const override { return PQgetisnull(result_, row_, index) != 0; }

  const std::string& sql() const override { return sql_; }

 private:
  std::optional<std::string>& slot(int index) {
    if (index < 1 || static_cast<std::size_t>(index) > values_.size()) {
      throw DatabaseError("parameter ?" + std::to_string(index) + " is not in \"" + sql_.substr(0, 60) + "\"");
    }
    return values_[static_cast<std::size_t>(index - 1)];
  }

  Connection& owner_;
  std::string sql_;
  std::string translated_;
  std::vector<std::optional<std::string>> values_;
  PGresult* result_ = nullptr;
  int rows_ = 0;
  int row_ = -1;
};

Connection::Connection(const std::string& conninfo, config::Secret password)
    : conninfo_(conninfo), password_(std::move(password)), description_(redacted(conninfo)) {
  try {
    connect();
  } catch (...) {
    PQfinish(conn_);  // no destructor runs for a constructor that throws
    conn_ = nullptr;
    throw;
  }
}

Connection::~Connection() {
  forget_cursors();
  PQfinish(conn_);
}

void Connection::connect() {
  if (conn_) PQfinish(conn_);
  prepared_.clear();
  leading_.clear();
  forget_cursors();
  // Defaults first: what the URL says overrides them, and the configured password overrides the URL.
  std::vector<const char*> keywords = {"connect_timeout", "tcp_user_timeout", "keepalives_idle", "fallback_application_name",
                                       "dbname"};
  std::vector<const char*> values = {"10", "30000", "30", "calico-release-bot", conninfo_.c_str()};
  // reveal() views the Secret's own bytes, which end in a NUL like any std::string's.
  if (!password_.empty()) {
    keywords.push_back("password");
    values.push_back(password_.reveal().data());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keywords.data(), values.data(), 1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    lost_ = true;
    last_sqlstate_ = "08001";
    const std::string reason = conn_ ? trimmed(PQerrorMessage(conn_)) : std::string("out of memory");
    PQfinish(conn_);  // a connection that failed is freed too; the next transaction tries again
    conn_ = nullptr;
    throw DatabaseError("cannot connect to the store " + description_ + ": " + reason);
  }
  lost_ = false;
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
  const char* user = PQuser(conn_);
  const char* host = PQhost(conn_);
  const char* port = PQport(conn_);
  const char* db = PQdb(conn_);
  description_ = std::string("postgresql://") + (user ? user : "") + "@" + (host ? host : "") + ":" + (port ? port : "") +
                 "/" + (db ? db : "");
  // A commit returns once it is on the server's disk: the 202 that follows promises that.
  exec("SET synchronous_commit = on");
}

void Connection::check(PGresult* result, std::string_view what) {
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
    last_sqlstate_.clear();
    const std::string_view tag = PQcmdStatus(result);
    const char* tuples = PQcmdTuples(result);
    changes_ = 0;
    // Rows written, as SQLite counts them: a SELECT's rows are not changes.
    if (tag.starts_with("INSERT") || tag.starts_with("UPDATE") || tag.starts_with("DELETE") || tag.starts_with("MERGE")) {
      changes_ = tuples && *tuples ? std::atoll(tuples) : 0;
      total_changes_ += changes_;
    }
    return;
  }
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = sqlstate ? sqlstate : "";
  std::string message = trimmed(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (message.empty()) message = trimmed(PQerrorMessage(conn_));
  PQclear(result);
  if (PQstatus(conn_) != CONNECTION_OK) lost_ = true;
  throw DatabaseError(std::string(what) + ": " + message);
}

const std::string& Connection::statement_name(const std::string& sql) {
  auto found = prepared_.find(sql);
  if (found != prepared_.end()) return found->second;
  std::string name = "calico_" + std::to_string(prepared_.size());
  PGresult* prepared = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
  check(prepared, "prepare failed for \"" + sql.substr(0, 60) + "\"");  // clears it when it failed
  PQclear(prepared);
  return prepared_.emplace(sql, std::move(name)).first->second;
}

void Connection::exec(std::string_view sql) {
  if (lost_) throw DatabaseError("the connection to the store " + description_ + " is lost");
  PGresult* result = PQexec(conn_, std::string(sql).c_str());
  check(result, "\"" + std::string(sql.substr(0, 60)) + "\" failed");
  PQclear(result);
}

void Connection::begin() {
  if (lost_ || PQstatus(conn_) != CONNECTION_OK) connect();
  exec("BEGIN");
}

bool Connection::storage_failed() const {
  if (lost_ || PQstatus(conn_) != CONNECTION_OK) return true;
  // Connection exceptions, insufficient resources (a full disk), operator intervention (the
  // server shutting down), system errors (I/O), and a server that only reads (a standby).
  const std::string_view state = last_sqlstate_;
  return state.starts_with("08") || state.starts_with("53") || state.starts_with("57") || state.starts_with("58") ||
         state == "25006";
}

int Connection::schema_version() {
  Statement exists = prepare("SELECT to_regclass('calico_schema_version') IS NOT NULL");
  if (!exists.step() || exists.column_int(0) == 0) return 0;
  Statement version = prepare("SELECT version FROM calico_schema_version");
  return version.step() ? static_cast<int>(version.column_int(0)) : 0;
}

std::string Connection::json_text(std::string_view column, std::string_view field) const {
  std::string path;
  for (char c : field) path += c == '.' ? ',' : c;
  return "calico_json_text(" + std::string(column) + ", '{" + path + "}')";
}

namespace {
// The first key of the bot's advisory locks (the second is the name's hash): apart from any other
// application's on the same database.
constexpr const char* kLockClass = "1667329141";
}  // namespace

void Connection::lock_for_transaction(std::string_view name) {
  Statement lock = prepare(std::string("SELECT pg_advisory_xact_lock(") + kLockClass + ", hashtext(?1))");
  lock.bind(1, name);
  lock.run();
}

bool Connection::lead(std::string_view role) {
  const std::string key(role);
  if (leading_.count(key)) return true;
  Statement lock = prepare(std::string("SELECT pg_try_advisory_lock(") + kLockClass + ", hashtext(?1))");
  lock.bind(1, role);
  const bool taken = lock.step() && lock.column_int(0) == 1;
  if (taken) leading_[key] = true;
  return taken;
}

std::string Connection::server_version() const {
  const int version = PQserverVersion(conn_);
  return std::to_string(version / 10000) + "." + std::to_string(version % 10000);
}

std::unique_ptr<Cursor> Connection::make_cursor(std::string sql) { return std::make_unique<PgCursor>(*this, std::move(sql)); }

}  // namespace calico::store::postgresql
