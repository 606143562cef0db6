// `git ls-remote` through libgit2: a remote's refs without cloning or fetching anything.
#pragma once

#include <map>
#include <string>

namespace calico::builders::git {

// refs/heads/* and refs/tags/* → the commit each names (for an annotated tag, the commit of its
// peeled "^{}" entry, which itself is not listed). Throws GitError naming the remote.
std::map<std::string, std::string> ls_remote(const std::string& url);

}  // namespace calico::builders::git
