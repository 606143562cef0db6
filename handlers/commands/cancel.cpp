// /cancel [build]: stop a running build (by default the one this PR asked for).
#include "handlers/commands/command.hpp"

namespace calico::handlers::commands {

CommandSpec make_cancel_command() {
  return {"cancel", "/cancel [build]",
          "Cancels a running build: the given one, else the latest one asked for on this pull request.", true,
          [](const std::vector<std::string_view>& words, const config::Config&, Command& command) {
            parse_optional_build(words, command);
          }};
}

}  // namespace calico::handlers::commands
