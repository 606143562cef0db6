#include "bot/store/remote_refs.hpp"

#include "bot/util/time_format.hpp"

namespace calico::store {

std::map<std::string, std::string> remote_refs(Database& db, const std::string& repository) {
  Statement query = db.prepare("SELECT ref, sha FROM remote_refs WHERE repository = ?1");
  query.bind(1, repository);
  std::map<std::string, std::string> refs;
  while (query.step()) refs[query.column_text(0)] = query.column_text(1);
  return refs;
}

void save_remote_refs(Database& db, const std::string& repository, const std::map<std::string, std::string>& refs) {
  Statement clear = db.prepare("DELETE FROM remote_refs WHERE repository = ?1");
  clear.bind(1, repository);
  clear.run();
  Statement insert = db.prepare("INSERT INTO remote_refs (repository, ref, sha, seen_at) VALUES (?1, ?2, ?3, ?4)");
  const std::string now = util::utc_now_iso8601();
  for (const auto& [ref, sha] : refs) {
    insert.reset();
    insert.bind(1, repository).bind(2, ref).bind(3, sha).bind(4, now);
    insert.run();
  }
}

}  // namespace calico::store
