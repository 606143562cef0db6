// What the pollers last saw of each remote: ref → sha.
#pragma once

#include <map>
#include <string>

#include "bot/store/database.hpp"

namespace calico::store {

// Empty when the repository was never polled.
std::map<std::string, std::string> remote_refs(Database& db, const std::string& repository);
void save_remote_refs(Database& db, const std::string& repository, const std::map<std::string, std::string>& refs);

}  // namespace calico::store
