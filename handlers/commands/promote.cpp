// /promote <calico-X.Y|vX.Y.Z>: publish a release by copying what the target it is promoted from
// ([publish] promote_from, "testing") has already published under the release's version — the
// tested binaries, on Launchpad and in the RPM repository — and building only the rest. Each
// job of the build says whether it was copied or, if not, why. Release-grade permission (and
// approval, when github.release_approvals asks for one), like /publish of a release.
#include <regex>

#include "builders/release_version.hpp"
#include "handlers/commands/context.hpp"

namespace calico::handlers::commands {

namespace {

void parse_promote(const std::vector<std::string_view>& words, const config::Config&, Command& command) {
  if (words.size() != 1) {
    command.error = words.empty() ? "needs a release: calico-X.Y or vX.Y.Z" : "takes one release, calico-X.Y or vX.Y.Z";
    return;
  }
  static const std::regex release_line(R"(calico-(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5}))");
  const std::string target(words[0]);
  if (!std::regex_match(target, release_line) && !builders::parse_release_tag(target)) {
    command.error = quote_word(target, kQuotedWordLimit) + " is not a release: use calico-X.Y (its highest vX.Y.Z tag) or vX.Y.Z";
    return;
  }
  command.target = target;
}

Reply run_promote(const Command& command, CommandContext& context) {
  const Origin& origin = context.origin();
  if (auto refused = refuse_unless_writer(context, command, release_writers(context))) return *refused;
  const ResolvedTarget resolved = context.resolve_target(command.target);
  if (!resolved.error.empty()) {
    return {mention(origin) + " I could not run " + quoted_line(command) + ": " + resolved.error + ".", "rejected: " + resolved.error};
  }
  const std::string& from = context.config().publish.promote_from;
  BuildRequest request;
  request.kind = BuildRequest::Kind::command;
  request.target_repo = resolved.target_repo;
  request.version = resolved.version;
  request.repository = origin.repository;
  request.trigger = "/promote " + command.target + " by @" + origin.author + " on " + origin.repository + "#" +
                    std::to_string(origin.issue_number);
  request.requested_by = origin.author;
  const std::string pending = "Queued: " + resolved.version + " → " + resolved.target_repo + ", promoted from " + from +
                              " (/promote by @" + origin.author + ")";
  return queue_release(context, request, context.pull_request_head(), pending,
                       {"", "queued " + resolved.version + " for " + resolved.target_repo + ", promoted from " + from},
                       {mention(origin) + " " + resolved.version + " for `" + resolved.target_repo +
                            "` is already queued; it will build once, and copies from " + from + " whatever it has published. " +
                            context.status_page_url() + "/",
                        "already queued: " + resolved.version + " for " + resolved.target_repo + " (nothing queued)"});
}

}  // namespace

CommandSpec make_promote_command() {
  return {"promote",
          "/promote <calico-X.Y|vX.Y.Z>",
          "Publishes a release by copying what the promotion source (testing) has published under its version, "
          "binaries included, and building only the rest; the build says which and why.",
          true, parse_promote, run_promote,
          /*enabled=*/[](const config::Config& config) { return !config.publish.promote_from.empty(); }, 15};
}

}  // namespace calico::handlers::commands
