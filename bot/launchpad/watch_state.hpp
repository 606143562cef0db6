// Where one uploaded source stands on Launchpad, as the watcher last assessed it: what watches,
// reports and pages compare, and what the store keeps for each watch.
#pragma once

#include <string_view>

namespace calico::launchpad {

enum class WatchState { waiting, building, published, superseded, failed, rejected };

std::string_view to_string(WatchState state);
// Unknown text: waiting (a watch polled again finds out).
WatchState watch_state_from(std::string_view text);

// Launchpad will not publish it: a build failed, or the upload was not accepted.
inline bool failed_or_rejected(WatchState state) { return state == WatchState::failed || state == WatchState::rejected; }
// Nothing more will come of it: published, or replaced by a newer upload.
inline bool published_or_superseded(WatchState state) {
  return state == WatchState::published || state == WatchState::superseded;
}

}  // namespace calico::launchpad
