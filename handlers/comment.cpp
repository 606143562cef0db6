// `issue_comment` (created, on a pull request): the slash commands in it, parsed and checked,
// for bot/commands to run. Bots' comments never get here (the decoder drops them) and an edit
// is a different action, so no comment runs its commands twice.
#include "handlers/registry.hpp"

namespace calico::handlers {

namespace {

HandlerResult on_comment(const Event& event, const HandlerContext& context) {
  const auto& comment = std::get<CommentEvent>(event);
  HandlerResult result;
  const config::RepositoryConfig* repo = context.config.find_repository(comment.repository);
  if (!repo) {
    result.notes.push_back("repository " + comment.repository + " is not watched; its commands are not run");
    return result;
  }
  for (commands::Command& command : commands::parse_comment(comment.body, context.config)) {
    result.notes.push_back("/" + command.name + " from " + comment.author.login +
                           (command.ok() ? "" : " (" + command.error + ")"));
    result.commands.push_back({repo->github, comment.issue_number, comment.comment_id, comment.author.login,
                               std::move(command)});
  }
  if (result.commands.empty()) result.notes.push_back("no command in the comment");
  return result;
}

}  // namespace

Handler make_comment_handler() {
  return {"comment",
          "Slash commands in pull request comments (/publish, /status, /cancel, /retry, /help), one per line.",
          {"issue_comment"},
          on_comment};
}

}  // namespace calico::handlers
