// /approve: the second person's yes to a release waiting on this pull request
// (github.release_approvals = 2). Whoever asked for the release cannot approve it. With one
// approval configured the word is not the bot's: Prow's /approve stays Prow's.
#include "handlers/commands/context.hpp"

namespace calico::handlers::commands {

namespace {

bool same_login(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

Reply run_approve(const Command& command, CommandContext& context) {
  if (auto refused = refuse_unless_writer(context, command, release_writers(context))) return *refused;
  const std::string who = mention(context.origin());
  const std::optional<WaitingApproval> waiting = context.waiting_approval();
  if (!waiting) return {who + " nothing waits for approval on this pull request.", "/approve answered: nothing waiting"};
  const std::string what = waiting->request.version + " for `" + waiting->request.target_repo + "`";
  if (same_login(waiting->requested_by, context.origin().author)) {
    return {who + " you asked for " + what + " yourself: another person with write access must approve it.",
            "refused: the requester cannot approve"};
  }
  if (context.approve(waiting->id) == Queued::already_queued) {
    return {who + " approved; " + what + " was already queued, it will build once.",
            "approved: " + waiting->request.version + " for " + waiting->request.target_repo + " (already queued)"};
  }
  return {who + " approved " + what + " (asked by @" + waiting->requested_by + "): queued. " + context.status_page_url() + "/",
          "approved: " + waiting->request.version + " for " + waiting->request.target_repo};
}

}  // namespace

CommandSpec make_approve_command() {
  return {"approve", "/approve",
          "Approves the release waiting on this pull request, when releases need a second person "
          "(github.release_approvals = 2); not by whoever asked for it.",
          true,
          [](const std::vector<std::string_view>& words, const config::Config&, Command& command) {
            if (!words.empty()) command.error = "takes no arguments";
          },
          run_approve,
          [](const config::Config& config) { return config.github.release_approvals > 1; }, 50};
}

}  // namespace calico::handlers::commands
