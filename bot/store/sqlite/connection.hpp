// One SQLite connection: the embedded store's engine. WAL mode with full fsync on commit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "bot/store/database.hpp"

struct sqlite3;

namespace calico::store::sqlite {

class Connection : public Database {
 public:
  // Opens (creating if needed, readable by its owner only) the file.
  explicit Connection(const std::filesystem::path& path);
  ~Connection() override;

  void exec(std::string_view sql) override;
  std::int64_t changes() const override;
  std::int64_t total_changes() const override;
  void begin() override;
  bool storage_failed() const override;
  int schema_version() override;
  std::string describe() const override { return path_.string(); }
  std::string json_text(std::string_view column, std::string_view field) const override;
  std::string_view skip_locked() const override { return ""; }
  void lock_for_transaction(std::string_view) override {}
  bool lead(std::string_view) override { return true; }

  const std::filesystem::path& path() const { return path_; }

 protected:
  std::unique_ptr<Cursor> make_cursor(std::string sql) override;

 private:
  class SqliteCursor;
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

}  // namespace calico::store::sqlite
