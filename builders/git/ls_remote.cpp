#include "builders/git/ls_remote.hpp"

#include <git2.h>

#include "builders/git/mirror.hpp"

namespace calico::builders::git {

std::map<std::string, std::string> ls_remote(const std::string& url) {
  init_libgit2();
  git_remote* remote = nullptr;
  auto fail = [&](const std::string& what) {
    const git_error* error = git_error_last();
    const std::string message = what + " " + url + ": " + (error && error->message ? error->message : "unknown libgit2 error");
    git_remote_free(remote);
    throw GitError(message);
  };
  if (git_remote_create_detached(&remote, url.c_str()) < 0) fail("cannot use remote");
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr) < 0) fail("cannot reach");
  const git_remote_head** heads = nullptr;
  size_t count = 0;
  if (git_remote_ls(&heads, &count, remote) < 0) fail("cannot list the refs of");
  std::map<std::string, std::string> refs;
  std::map<std::string, std::string> peeled;  // an annotated tag's commit, listed as "<tag>^{}"
  for (size_t i = 0; i < count; ++i) {
    std::string name = heads[i]->name;
    if (!name.starts_with("refs/heads/") && !name.starts_with("refs/tags/")) continue;
    char sha[GIT_OID_HEXSZ + 1];
    git_oid_tostr(sha, sizeof sha, &heads[i]->oid);
    if (name.ends_with("^{}")) {
      name.resize(name.size() - 3);
      peeled[name] = sha;
    } else {
      refs[name] = sha;
    }
  }
  for (const auto& [name, commit] : peeled) {
    if (refs.contains(name)) refs[name] = commit;
  }
  git_remote_disconnect(remote);
  git_remote_free(remote);
  return refs;
}

}  // namespace calico::builders::git
