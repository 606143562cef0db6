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

class Engine {
 public:
  virtual ~Engine() = default;
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

using EngineFactory = std::function<std::unique_ptr<Engine>(const config::StoreConfig&)>;

// Every engine by its `[store] backend` name.
const std::map<std::string, EngineFactory, std::less<>>& engines();
// The engine `config.backend` names. Throws DatabaseError naming the known ones otherwise.
std::unique_ptr<Engine> make_engine(const config::StoreConfig& config);

}  // namespace calico::store
