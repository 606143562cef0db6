// /retry [build]: queue a failed or cancelled build again, with the same target, steps and platforms.
#include "handlers/commands/command.hpp"

namespace calico::handlers::commands {

CommandSpec make_retry_command() {
  return {"retry", "/retry [build]",
          "Queues a failed or cancelled build again (same target, steps and platforms): the given one, else "
          "the latest one asked for on this pull request.",
          true, [](const std::vector<std::string_view>& words, const config::Config&, Command& command) {
            parse_optional_build(words, command);
          }};
}

}  // namespace calico::handlers::commands
