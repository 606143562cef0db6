// /retry [build]: queue a failed or cancelled build again, with the same target, steps and platforms.
#include "handlers/commands/build_argument.hpp"

namespace calico::handlers::commands {

namespace {
Reply run_retry(const Command& command, CommandContext& context) {
  const Origin& origin = context.origin();
  if (auto refused = refuse_unless_writer(context, command, {origin.repository})) return *refused;
  const NamedBuild named = named_build(command, context, false);
  if (!named.build) return named.reply;
  const BuildBrief& build = *named.build;
  // Retrying a release publishes it: the same permission as /publish of a release.
  if (build.target_repo != "master") {
    if (auto refused = refuse_unless_writer(context, command, release_writers(context))) return *refused;
  }
  if (build.state != BuildState::failed && build.state != BuildState::cancelled) {
    return {mention(origin) + " build #" + std::to_string(build.id) + " is " + std::string(to_string(build.state)) +
                "; only a failed or cancelled build can be retried.",
            "/retry answered"};
  }
  BuildRequest request = context.request_of_build(build.id);
  request.kind = BuildRequest::Kind::command;
  request.repository = origin.repository;
  request.requested_by = origin.author;
  request.trigger = "/retry " + std::to_string(build.id) + " by @" + origin.author + " on " + origin.repository + "#" +
                    std::to_string(origin.issue_number);
  // Reported on the pull request where it was typed (its head now), not on the one that asked
  // for the build it retries; the reporter links the new build when it starts.
  return queue_release(context, request, context.pull_request_head(), "", {"", "/retry answered"},
                       {mention(origin) + " " + request.version + " for `" + request.target_repo + "` is already queued.",
                        "already queued: " + request.version + " for " + request.target_repo + " (nothing queued)"});
}
}  // namespace

CommandSpec make_retry_command() {
  return {"retry", "/retry [build]",
          "Queues a failed or cancelled build again (same target, steps and platforms): the given one, else "
          "the latest one asked for on this pull request.",
          true, [](const std::vector<std::string_view>& words, const config::Config&, Command& command) {
            parse_optional_build(words, command);
          },
          run_retry, /*enabled=*/{}, 40};
}

}  // namespace calico::handlers::commands
