#include "bot/launchpad/promotion.hpp"

namespace calico::launchpad {

PpaPromotionSource::PpaPromotionSource(Client& client, std::string owner, std::string from_ppa, std::string to_ppa)
    : client_(client), owner_(std::move(owner)), from_(std::move(from_ppa)), to_(std::move(to_ppa)) {}

std::optional<builders::publish::HeldSource> PpaPromotionSource::find(const std::string& source, const std::string& version,
                                                                      const std::string& series) {
  std::optional<SourcePublication> found;
  for (SourcePublication& publication : client_.published_sources(owner_, from_, source, version)) {
    if (publication.series() != series) continue;
    // A version has one live publication per series; an older Deleted or Superseded one only
    // counts when nothing else is there.
    if (!found || publication.status == "Published" || publication.status == "Pending") found = std::move(publication);
  }
  if (!found) return std::nullopt;
  builders::publish::HeldSource held{found->status, false};
  if (found->status == "Published") {
    const auto summaries = client_.build_summaries(owner_, from_, {found->id()});
    const auto summary = summaries.find(found->id());
    held.binaries_published = summary != summaries.end() && summary->second.status == "FULLYBUILT";
  }
  return held;
}

void PpaPromotionSource::copy(const std::string& source, const std::string& version, const std::string& series) {
  client_.copy_package(owner_, to_, {source, version, client_.archive_url(owner_, from_), series, true});
}

}  // namespace calico::launchpad
