#include "bot/launchpad/archive.hpp"

namespace calico::launchpad {

PpaArchive::PpaArchive(Client& client, std::string owner, std::string ppa)
    : client_(client), owner_(std::move(owner)), ppa_(std::move(ppa)) {}

bool PpaArchive::has_source(const std::string& source, const std::string& version) {
  std::lock_guard lock(mutex_);
  const auto key = std::make_pair(source, version);
  auto it = known_.find(key);
  if (it == known_.end()) {
    // Any status counts: Launchpad refuses a version it has seen, even a deleted one.
    const bool held = !client_.published_sources(owner_, ppa_, source, version).empty();
    it = known_.emplace(key, held).first;
  }
  return it->second;
}

}  // namespace calico::launchpad
