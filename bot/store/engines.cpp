#include "bot/store/engine.hpp"

#include "bot/store/postgresql/engine.hpp"
#include "bot/store/sqlite/engine.hpp"

namespace calico::store {

const std::map<std::string, EngineKind, std::less<>>& engines() {
  static const std::map<std::string, EngineKind, std::less<>> table = {
      {"sqlite", {[](const config::StoreConfig& config) { return std::make_unique<sqlite::Engine>(config); }, false}},
      {"postgresql", {[](const config::StoreConfig& config) { return std::make_unique<postgresql::Engine>(config); }, true}},
  };
  return table;
}

bool shared_between_replicas(const config::StoreConfig& config) {
  const auto found = engines().find(config.backend);
  return found != engines().end() && found->second.shared;
}

std::unique_ptr<Engine> make_engine(const config::StoreConfig& config) {
  const auto& table = engines();
  const auto found = table.find(config.backend);
  if (found != table.end()) return found->second.make(config);
  std::string known;
  for (const auto& [name, factory] : table) known += (known.empty() ? "" : ", ") + name;
  throw DatabaseError("store.backend \"" + config.backend + "\" is not an engine this bot knows (" + known + ")");
}

}  // namespace calico::store
