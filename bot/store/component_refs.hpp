// The component_refs table: the source ref (or .dsc) last configured per component and
// platform, for components built from configured refs (the dispatcher's component-ref rule).
#pragma once

#include <map>
#include <string>
#include <utility>

#include "bot/store/database.hpp"

namespace calico::store {

// By (component, platform).
std::map<std::pair<std::string, std::string>, std::string> known_component_refs(Database& db);
void remember_component_ref(Database& db, const std::string& component, const std::string& platform, const std::string& ref,
                            const std::string& seen_at);

}  // namespace calico::store
