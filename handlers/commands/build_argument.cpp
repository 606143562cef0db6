#include "handlers/commands/build_argument.hpp"

namespace calico::handlers::commands {

NamedBuild named_build(const Command& command, CommandContext& context, bool any_latest) {
  std::optional<BuildBrief> build = context.find_build(command.build);
  if (!build && !command.build && any_latest) build = context.latest_build();
  if (build) return {build, {}};
  const std::string who = mention(context.origin());
  const std::string outcome = "/" + command.name + " answered";
  if (command.build) return {std::nullopt, {who + " there is no build #" + std::to_string(*command.build) + ".", outcome}};
  return {std::nullopt,
          {who + " there is no build to " + command.name + " yet: name one, like `/" + command.name + " 12`.", outcome}};
}

}  // namespace calico::handlers::commands
