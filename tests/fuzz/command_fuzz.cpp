// libFuzzer harness for the slash-command grammar: any comment text must parse into commands
// that are either valid or carry an error, whose quoted line is short printable ASCII (it goes
// back into a GitHub comment), and whose build numbers and lists obey the grammar.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "handlers/commands/command.hpp"

namespace {

const calico::config::Config& fuzz_config() {
  static const calico::config::Config config;
  return config;
}

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto commands = calico::handlers::commands::parse_comment(body, fuzz_config());
  check(commands.size() <= 10);
  for (const auto& command : commands) {
    check(!command.name.empty());
    check(command.line.size() <= 200);
    for (char c : command.line) check(c >= 0x20 && c < 0x7f && c != '`');
    if (command.build) check(*command.build > 0 && *command.build < 1'000'000'000);
    if (command.ok()) {
      check(calico::handlers::commands::find_command(command.name) != nullptr);
      for (const auto& list : {command.steps, command.platforms}) {
        for (const auto& item : list) check(!item.empty() && item.find(',') == std::string::npos);
      }
    }
  }
  return 0;
}
