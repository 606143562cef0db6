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

}  // namespace calico::handlers
