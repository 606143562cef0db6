#include "bot/store/component_refs.hpp"

namespace calico::store {

std::map<std::pair<std::string, std::string>, std::string> known_component_refs(Database& db) {
  Statement query = db.prepare("SELECT component, platform, ref FROM component_refs");
  std::map<std::pair<std::string, std::string>, std::string> refs;
  while (query.step()) refs[{query.column_text(0), query.column_text(1)}] = query.column_text(2);
  return refs;
}

void remember_component_ref(Database& db, const std::string& component, const std::string& platform, const std::string& ref,
                            const std::string& seen_at) {
  Statement remember = db.prepare(
      "INSERT INTO component_refs (component, platform, ref, seen_at) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (component, platform) DO UPDATE SET ref = excluded.ref, seen_at = excluded.seen_at");
  remember.bind(1, component).bind(2, platform).bind(3, ref).bind(4, seen_at);
  remember.run();
}

}  // namespace calico::store
