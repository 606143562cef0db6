#include "bot/launchpad/publication.hpp"

#include "bot/launchpad/assess.hpp"

namespace calico::launchpad {

std::string_view to_string(PublicationState state) {
  switch (state) {
    case PublicationState::nothing_to_watch: return "nothing to watch";
    case PublicationState::waiting: return "waiting";
    case PublicationState::published: return "published";
    case PublicationState::superseded: return "superseded";
    case PublicationState::failed: return "failed";
    case PublicationState::rejected: return "rejected";
  }
  return "?";
}

std::string BuildPublication::progress() const {
  return std::to_string(published) + "/" + std::to_string(total) + " published" +
         (superseded ? ", " + std::to_string(superseded) + " superseded" : "");
}

std::string failed_build_log(const store::LpWatch& watch) {
  for (const ArchStatus& arch : arches_from_json(watch.arches)) {
    if (arch.state == ArchState::failed && !arch.build_log_url.empty()) return arch.build_log_url;
  }
  return {};
}

BuildPublication build_publication(const std::vector<store::LpWatch>& watches) {
  BuildPublication result;
  result.total = static_cast<int>(watches.size());
  if (watches.empty()) return result;
  bool failure = false;
  for (const store::LpWatch& watch : watches) {
    if (failed_or_rejected(watch.state) && !failure) {
      // The first failure is the build's news at once; the others keep being watched.
      failure = true;
      result.state = watch.state == WatchState::failed ? PublicationState::failed : PublicationState::rejected;
      result.detail = watch.source + " " + watch.version + ": " + watch.detail;
      result.log_url = failed_build_log(watch);
    }
    result.published += watch.state == WatchState::published;
    result.superseded += watch.state == WatchState::superseded;
  }
  if (!failure) {
    // A superseded upload is final and neutral: a newer one replaced it.
    const bool settled = result.published + result.superseded == result.total;
    result.state = !settled ? PublicationState::waiting
                   : result.superseded ? PublicationState::superseded
                                       : PublicationState::published;
    result.detail = std::to_string(result.published) + " of " + std::to_string(result.total) + " uploads published" +
                    (result.superseded ? ", " + std::to_string(result.superseded) + " superseded by newer uploads" : "");
  }
  return result;
}

}  // namespace calico::launchpad
