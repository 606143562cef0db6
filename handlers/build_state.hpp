// A build's state, the domain value every report, page and command reads (the store keeps its
// name). A build runs until its jobs are done: succeeded (every job), failed (one failed, or it
// could not start), cancelled (asked to stop). Whether Launchpad has published its uploads is the
// build's other half (bot/launchpad/publication.hpp).
#pragma once

#include <optional>
#include <string_view>

namespace calico::handlers {

enum class BuildState { running, succeeded, failed, cancelled };

std::string_view to_string(BuildState state);
std::optional<BuildState> parse_build_state(std::string_view text);

}  // namespace calico::handlers
