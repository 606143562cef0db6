// What the status page shows, read from the store in one go: builds with where they came from,
// and for one build its jobs and its Launchpad publications. The HTML and the JSON API render
// the same values, so they never disagree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/launchpad/publication.hpp"
#include "bot/store/repositories.hpp"

namespace calico::status_page {

struct BuildView {
  store::Build build;
  store::BuildOrigin origin;
  std::optional<long long> duration_seconds;  // finished − started, or now − started while running
  launchpad::BuildPublication publication;    // the build's other half: Launchpad
  // From its start to Launchpad publishing its last upload (to its end when it uploads nothing
  // Launchpad builds; to now while that is still to come).
  std::optional<long long> to_published_seconds;
};

struct BuildPage {
  BuildView view;
  std::vector<store::BuildJob> steps;
  std::vector<store::LpWatch> watches;
  std::string now;  // when it was read (ISO 8601): where the timeline's running bars end
};

struct Overview {
  std::vector<BuildView> builds;                  // newest first
  std::vector<store::QueuedBuildRequest> queued;  // oldest first
  store::RecoverySummary recovery;                // deliveries missed while down, and what came of them
  std::vector<store::Replica> replicas;           // the serve processes on this store, newest start first
};

// Read inside one unit of work (`Store::atomically`) for a consistent picture.
Overview overview(store::Repositories& data, int limit);
std::optional<BuildPage> build_page(store::Repositories& data, std::int64_t id);

// Whether anything shown may still change: the page refreshes itself while it does.
bool still_changing(const BuildView& view);

}  // namespace calico::status_page
