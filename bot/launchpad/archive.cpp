#include "bot/launchpad/archive.hpp"

namespace calico::launchpad {

PpaArchive::PpaArchive(Client& client, std::string owner, std::string ppa)
    : client_(client), owner_(std::move(owner)), ppa_(std::move(ppa)) {}

bool PpaArchive::has_source(const std::string& source, const std::string& version) {
  std::lock_guard lock(mutex_);
  auto it = versions_.find(source);
  if (it == versions_.end()) {
    std::set<std::string> seen;
    for (const SourcePublication& publication : client_.published_sources(owner_, ppa_, source)) {
      // Any status counts: Launchpad refuses a version it has seen, even a deleted one.
      seen.insert(publication.source_package_version);
    }
    it = versions_.emplace(source, std::move(seen)).first;
  }
  return it->second.count(version) > 0;
}

}  // namespace calico::launchpad
