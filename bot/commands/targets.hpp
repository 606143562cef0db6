// /publish's target → what to build: master as it is, vX.Y.Z if a release repository carries the
// tag, calico-X.Y as its highest vX.Y.Z tag. Asks the remotes (libgit2 ls-remote), not a cache:
// a tag pushed a minute ago counts.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "config/config.hpp"
#include "handlers/commands/context.hpp"

namespace calico::commands {

using handlers::commands::ResolvedTarget;

// `list_refs` is ls-remote (tests may pass their own). Throws builders::git::GitError when a
// remote cannot be read.
using RefLister = std::function<std::map<std::string, std::string>(const std::string& url)>;
ResolvedTarget resolve_target(const std::string& target, const config::Config& config, const RefLister& list_refs);

}  // namespace calico::commands
