// What a moved or deleted release tag finds in the store, and taking back what it asked for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bot/store/database.hpp"

namespace calico::store {

struct ReleaseRequests {
  std::optional<std::int64_t> latest_build;  // the newest build of the release that started
  bool pending = false;                      // a request for it waits in the queue
  std::string trigger_commit;                // the waiting request's commit, "" when unknown
};
ReleaseRequests release_requests(Database& db, const std::string& target_repo, const std::string& version);

// Cancels the release's waiting requests; with `forget_trigger`, the tag made again triggers anew.
// Returns how many were withdrawn.
int withdraw_release_requests(Database& db, const std::string& target_repo, const std::string& version, bool forget_trigger,
                              const std::string& now);

}  // namespace calico::store
