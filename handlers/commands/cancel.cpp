// /cancel [build]: stop a running build (by default the one this PR asked for).
#include "handlers/commands/build_argument.hpp"

namespace calico::handlers::commands {

namespace {
Reply run_cancel(const Command& command, CommandContext& context) {
  if (auto refused = refuse_unless_writer(context, command, {context.origin().repository})) return *refused;
  const NamedBuild named = named_build(command, context, false);
  if (!named.build) return named.reply;
  const BuildBrief& build = *named.build;
  const std::string name = "build #" + std::to_string(build.id);
  if (!context.cancel_build(build.id)) {
    return {mention(context.origin()) + " " + name + " is " + std::string(to_string(build.state)) +
                ", not running (or already being cancelled); nothing to cancel.",
            "/cancel answered"};
  }
  return {mention(context.origin()) + " cancelling " + name + " of " + build.version + ": its jobs are being stopped. " +
              context.build_url(build.id),
          "/cancel answered"};
}
}  // namespace

CommandSpec make_cancel_command() {
  return {"cancel", "/cancel [build]",
          "Cancels a running build: the given one, else the latest one asked for on this pull request.", true,
          [](const std::vector<std::string_view>& words, const config::Config&, Command& command) {
            parse_optional_build(words, command);
          },
          run_cancel, /*enabled=*/{}, 30};
}

}  // namespace calico::handlers::commands
