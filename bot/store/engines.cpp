#include "bot/store/engine.hpp"

#include "bot/store/postgresql/engine.hpp"
#include "bot/store/sqlite/engine.hpp"

namespace calico::store {

const std::map<std::string, EngineFactory, std::less<>>& engines() {
  static const std::map<std::string, EngineFactory, std::less<>> table = {
      {"sqlite", [](const config::StoreConfig& config) { return std::make_unique<sqlite::Engine>(config); }},
      {"postgresql", [](const config::StoreConfig& config) { return std::make_unique<postgresql::Engine>(config); }},
  };
  return table;
}

std::unique_ptr<Engine> make_engine(const config::StoreConfig& config) {
  const auto& table = engines();
  const auto found = table.find(config.backend);
  if (found != table.end()) return found->second(config);
  std::string known;
  for (const auto& [name, factory] : table) known += (known.empty() ? "" : ", ") + name;
  throw DatabaseError("store.backend \"" + config.backend + "\" is not an engine this bot knows (" + known + ")");
}

}  // namespace calico::store
