// /help: every command with its usage and help text.
#include "handlers/commands/command.hpp"

namespace calico::handlers::commands {

CommandSpec make_help_command() {
  return {"help", "/help", "Lists the commands this bot understands.", false,
          [](const std::vector<std::string_view>& words, const config::Config&, Command& command) {
            if (!words.empty()) command.error = "takes no arguments";
          }};
}

}  // namespace calico::handlers::commands
