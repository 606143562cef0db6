// /status [build]: where a build stands (by default the latest one this PR asked for).
#include "handlers/commands/command.hpp"

namespace calico::handlers::commands {

CommandSpec make_status_command() {
  return {"status", "/status [build]",
          "Replies with a build's state and jobs: the given build, else the latest one asked for on this "
          "pull request, else the latest build.",
          false, [](const std::vector<std::string_view>& words, const config::Config&, Command& command) {
            parse_optional_build(words, command);
          }};
}

}  // namespace calico::handlers::commands
