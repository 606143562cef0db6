// `push`: a new release tag requests a release build; a push to a watched master marks master
// as changed for the nightly build. A release tag deleted or moved is a TagChange; other deleted
// refs change nothing.
#include "handlers/registry.hpp"
#include "handlers/release_trigger.hpp"

namespace calico::handlers {

namespace {

HandlerResult on_push(const Event& event, const HandlerContext& context) {
  const auto& push = std::get<PushEvent>(event);
  HandlerResult result;
  if (push.is_tag() && push.deleted) {
    return release_tag_changed(push.repository, push.short_ref(), push.sender, context, push.before, "");
  }
  if (push.deleted) {
    result.notes.push_back(push.ref + " deleted; nothing to build");
    return result;
  }
  if (push.is_tag() && !push.created && push.before != push.after) {
    // A tag that existed names another commit now (a forced push, or a poll that saw it move).
    const std::string now = push.head_commit.empty() ? push.after : push.head_commit;
    return release_tag_changed(push.repository, push.short_ref(), push.sender, context, push.before, now);
  }
  if (push.is_tag()) {
    return request_release_for_tag(push.repository, push.short_ref(), "pushed to", push.sender, context, push.head_commit);
  }
  const config::RepositoryConfig* repo = context.config.find_repository(push.repository);
  if (!repo) {
    result.notes.push_back("repository " + push.repository + " is not watched");
  } else if (!push.is_branch() || push.short_ref() != repo->master_branch) {
    result.notes.push_back(push.ref + " is not the watched branch " + repo->master_branch);
  } else {
    result.master_changes.push_back({repo->github, repo->master_branch, push.after});
    result.notes.push_back(repo->github + " " + repo->master_branch + " changed to " + push.after);
  }
  return result;
}

}  // namespace

Handler make_push_handler() {
  return {"push",
          "A pushed vX.Y.Z tag on a release repository requests a calico-X.Y release build; a push "
          "to a watched master branch marks master as changed for the nightly build.",
          {"push"},
          on_push};
}

}  // namespace calico::handlers
