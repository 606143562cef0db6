#include "bot/launchpad/archive.hpp"

#include "builders/versions.hpp"

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

std::optional<std::string> PpaArchive::later_build_of(const std::string& source, const std::string& version) {
  for (const SourcePublication& held : client_.recent_sources(owner_, ppa_, source)) {
    if (builders::later_build_of_same_snapshot(held.source_package_version, version)) return held.source_package_version;
  }
  return std::nullopt;
}

}  // namespace calico::launchpad
