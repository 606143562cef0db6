// The embedded engine: one SQLite file, WAL mode. Its WAL is copied back into the file on a
// connection and thread of its own, never by the writer: a checkpoint inside a commit held every
// delivery waiting behind it for the copy and its fsync (hundreds of milliseconds at the 99th
// percentile under load).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "bot/store/engine.hpp"
#include "bot/store/sqlite/connection.hpp"

namespace calico::store::sqlite {

class Engine : public store::Engine {
 public:
  explicit Engine(const config::StoreConfig& config) : path_(config.path) {}

  std::unique_ptr<Database> open() override;
  std::string describe() const override { return path_.string(); }
  std::string setting() const override { return "store.path (" + path_.string() + ")"; }
  Inspection inspect() override;
  void probe(Database& db) override;
  void maintain(bool idle) override;
  void close(Database& db) override;

 private:
  std::filesystem::path path_;
  std::unique_ptr<Connection> checkpoint_db_;  // the maintenance thread's
  // Whether the WAL was truncated since the last commit (maintenance thread only): an idle store
  // has its WAL cut to nothing once, returning the disk it took.
  bool truncated_ = false;
};

}  // namespace calico::store::sqlite
