// The [build] argument of /status, /cancel and /retry: the build it names, else the latest one
// asked for on this pull request — or the reply saying there is none.
#pragma once

#include <optional>

#include "handlers/commands/context.hpp"

namespace calico::handlers::commands {

struct NamedBuild {
  std::optional<BuildBrief> build;
  Reply reply;  // when there is none
};

// `any_latest`: without a number and without a build on this pull request, the latest build at all.
NamedBuild named_build(const Command& command, CommandContext& context, bool any_latest);

}  // namespace calico::handlers::commands
