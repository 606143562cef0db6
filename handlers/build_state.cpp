#include "handlers/build_state.hpp"

namespace calico::handlers {

std::string_view to_string(BuildState state) {
  switch (state) {
    case BuildState::running: return "running";
    case BuildState::succeeded: return "succeeded";
    case BuildState::failed: return "failed";
    case BuildState::cancelled: return "cancelled";
  }
  return "?";
}

std::optional<BuildState> parse_build_state(std::string_view text) {
  for (BuildState state : {BuildState::running, BuildState::succeeded, BuildState::failed, BuildState::cancelled}) {
    if (to_string(state) == text) return state;
  }
  return std::nullopt;
}

}  // namespace calico::handlers
