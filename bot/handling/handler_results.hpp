// Writing what handlers decided (build requests, master-changed marks, commands, tag changes) into the store,
// with what GitHub is told at once (the 👀 on a command, a tag change's status), the same
// way for webhook deliveries and for pollers' ref changes.
#pragma once

#include <optional>
#include <string>

#include "bot/store/repositories.hpp"
#include "handlers/result.hpp"

namespace calico::handling {

// Returns what happened, for the delivery's (or poll's) outcome: the handlers' notes plus how
// each request fared (queued, coalesced, triggered before) and what a deleted or moved release
// tag changed. Such a tag withdraws its pending build (deleted) and gets a status on its commit
// (context "calico-release-bot/<release line>/tag", linking `status_page_url`). Run it inside
// one unit of work (`Store::atomically`): all of it is written, or none.
std::string apply_handler_result(store::Repositories& data, const handlers::HandlerResult& result,
                                 const std::optional<std::string>& delivery, const std::string& status_page_url);

// The outcome apply_handler_result returns when every request is queued as asked: the handlers'
// notes ("processed" when there are none). Known before anything is written.
std::string expected_outcome(const handlers::HandlerResult& result);

}  // namespace calico::handling
