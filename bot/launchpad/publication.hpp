// The second half of a build: what Launchpad made of its uploads. A build is *uploaded* when its
// jobs succeeded and *published* only when Launchpad has published the binaries of every upload
// (per source × series × architecture). Pure: reports, the status page and commands read this
// value instead of comparing watch state strings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bot/store/lp_watches.hpp"

namespace calico::launchpad {

// nothing_to_watch: the build uploaded nothing Launchpad builds (RPMs only, no pub_debs, or no
// Launchpad configured). waiting: some uploads are not published yet. superseded: every upload is
// published or was replaced by a newer one (neutral). failed / rejected: one upload failed to
// build or never appeared (reported at once; the others keep being watched).
enum class PublicationState { nothing_to_watch, waiting, published, superseded, failed, rejected };

std::string_view to_string(PublicationState state);

struct BuildPublication {
  PublicationState state = PublicationState::nothing_to_watch;
  std::string detail;    // one line for people
  std::string log_url;   // the failed build's log on Launchpad, when one failed
  int published = 0;
  int superseded = 0;    // replaced by newer uploads: final, neutral
  int total = 0;
  // Nothing on Launchpad is still to come.
  bool settled() const { return state != PublicationState::waiting; }
  bool ok() const {
    return state == PublicationState::nothing_to_watch || state == PublicationState::published ||
           state == PublicationState::superseded;
  }
  // "published 4/9": what a report shows in a few characters.
  std::string progress() const;
};

BuildPublication build_publication(const std::vector<store::LpWatch>& watches);

// The first failed architecture's build log URL in a watch's stored architectures, if any.
std::string failed_build_log(const store::LpWatch& watch);

}  // namespace calico::launchpad
