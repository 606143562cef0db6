// The build list's small chart per target: its recent builds as bars, oldest on the left, each
// as tall as the time from the build's start to Launchpad publishing its last upload (or, for a
// build that uploads nothing Launchpad builds, to its end; while it runs or waits, to now), and
// coloured by how it ended. Server-rendered SVG; each bar carries its build id and seconds.
#pragma once

#include <string>
#include <vector>

#include "bot/status_page/view.hpp"

namespace calico::status_page {

// `builds`: one target's, newest first (as the overview lists them).
std::string trend_svg(const std::string& target, const std::vector<const BuildView*>& builds);

}  // namespace calico::status_page
