// /status [build]: where a build stands (by default the latest one this PR asked for).
#include "handlers/commands/build_argument.hpp"

namespace calico::handlers::commands {

namespace {
Reply run_status(const Command& command, CommandContext& context) {
  const NamedBuild named = named_build(command, context, true);
  if (!named.build) return named.reply;
  return {mention(context.origin()) + " " + context.describe_build(named.build->id), "/status answered"};
}
}  // namespace

CommandSpec make_status_command() {
  return {"status", "/status [build]",
          "Replies with a build's state and jobs: the given build, else the latest one asked for on this "
          "pull request, else the latest build.",
          false, [](const std::vector<std::string_view>& words, const config::Config&, Command& command) {
            parse_optional_build(words, command);
          },
          run_status, /*enabled=*/{}, 20};
}

}  // namespace calico::handlers::commands
