// The shared engine: a PostgreSQL database that any number of replicas use together. The schema is
// brought up to date under an advisory lock, so replicas started together migrate once.
#pragma once

#include <string>

#include "bot/store/engine.hpp"
#include "bot/store/postgresql/connection.hpp"

namespace calico::store::postgresql {

class Engine : public store::Engine {
 public:
  explicit Engine(const config::StoreConfig& config) : url_(config.url), password_(config.password) {}

  std::unique_ptr<Database> open() override;
  std::string describe() const override { return redacted(url_); }
  std::string setting() const override { return "store.url (" + redacted(url_) + ")"; }
  Inspection inspect() override;
  void probe(Database& db) override;

 private:
  std::string url_;
  config::Secret password_;
};

// Connects and brings the schema up to date under the migration lock. Throws DatabaseError.
std::unique_ptr<Connection> open_migrated(const std::string& url, const config::Secret& password);

}  // namespace calico::store::postgresql
