// The rule shared by the push, create and release handlers: a vX.Y.Z tag appearing on a watched
// repository that carries release tags asks for a calico-X.Y release build.
#pragma once

#include <string_view>

#include "handlers/registry.hpp"

namespace calico::handlers {

// `commit`: the commit the tag names, when the event says ("" otherwise).
HandlerResult request_release_for_tag(std::string_view repository, std::string_view tag,
                                      std::string_view how, const Actor& sender,
                                      const HandlerContext& context, std::string_view commit = {});

// A release tag (by the same rule) deleted (`new_commit` empty) or moved from `old_commit` to
// `new_commit`. A moved tag also asks for its release, as a new one would: a tag the bot never
// built is built, one pending builds from where it points now, one built is not built again.
HandlerResult release_tag_changed(std::string_view repository, std::string_view tag, const Actor& sender,
                                  const HandlerContext& context, std::string_view old_commit,
                                  std::string_view new_commit);

}  // namespace calico::handlers
