// What differs between the databases the store can run on: how the writer's connection is made and
// its schema brought up to date, and the upkeep the engine wants. The store's thread, its group
// commit and its health are the same on every engine. An engine is chosen by `[store] backend`
// through one name → factory table (engines.cpp).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "bot/store/database.hpp"
#include "config/config.hpp"

namespace calico::store {

// What a store holds, found without changing anything (check-config).
struct Inspection {
  int schema_version = 0;  // 0: empty or not there yet
  std::string where;       // the path, or the URL without password
  std::string server;      // "PostgreSQL 15.18"; "" for an embedded engine
};

class Engine {
 public:
  virtual ~Engine() = default;
  // The setting that names the store, for errors: "store.path (/var/lib/bot.sqlite)".
  virtual std::string setting() const = 0;
  // Reads what the store holds without creating or migrating anything. Throws DatabaseError
  // saying why serve could not use it.
  virtual Inspection inspect() = 0;
  // A connection with the schema brought up to date. Throws DatabaseError.
  virtual std::unique_ptr<Database> open() = 0;
  // Where the data lives, for messages (a path, or a URL without its password).
  virtual std::string describe() const = 0;
  // One small write: does the database take writes (again)?
  virtual void probe(Database& db) = 0;
  // Called every half second on a thread of its own; `idle` when nothing was committed since the
  // last call. SQLite copies its WAL back here.
  virtual void maintain(bool idle) { (void)idle; }
  // Before the writer's connection closes.
  virtual void close(Database& db) { (void)db; }
};

struct EngineKind {
  std::function<std::unique_ptr<Engine>(const config::StoreConfig&)> make;
  // Several serve processes may share the store (replicas); otherwise the first one locks it.
  bool shared = false;
};

// Every engine by its `[store] backend` name.
const std::map<std::string, EngineKind, std::less<>>& engines();
// Whether `config.backend` lets replicas share the store (false for an unknown one).
bool shared_between_replicas(const config::StoreConfig& config);
// The engine `config.backend` names. Throws DatabaseError naming the known ones otherwise.
std::unique_ptr<Engine> make_engine(const config::StoreConfig& config);

}  // namespace calico::store
