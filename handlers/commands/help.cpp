// /help: every command with its usage and help text.
#include "handlers/commands/context.hpp"

namespace calico::handlers::commands {

std::string help_text(const config::Config& config) {
  std::string text = "Commands (one per line, in a pull request comment):\n\n| command | what it does |\n|---|---|\n";
  for (const CommandSpec& spec : all_commands()) {
    if (spec.enabled && !spec.enabled(config)) continue;
    text += "| `" + spec.usage + "` | " + spec.help + (spec.privileged ? " *(write access)*" : "") + " |\n";
  }
  return text;
}

CommandSpec make_help_command() {
  return {"help", "/help", "Lists the commands this bot understands.", false,
          [](const std::vector<std::string_view>& words, const config::Config&, Command& command) {
            if (!words.empty()) command.error = "takes no arguments";
          },
          [](const Command&, CommandContext& context) {
            return Reply{mention(context.origin()) + " " + help_text(context.config()), "help given"};
          }, /*enabled=*/{}, 90};
}

}  // namespace calico::handlers::commands
