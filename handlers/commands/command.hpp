// Slash commands in PR comments, shaped like Prow's plugins: one small file per command, each with
// its usage and help text, a strict argument grammar, and what it does (`run`). Parsing is pure
// (comment text + config → commands or errors); running goes through a CommandContext
// (context.hpp), the small interface the service implements (bot/commands/service_context) and
// tests fake, so that every command is free of I/O here. bot/commands only claims and calls them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace calico::handlers::commands {

// One command line, parsed and checked. `error` set: the line named a command but its arguments
// (or the name) are wrong; the reply says what and shows `usage`.
struct Command {
  std::string name;                  // "publish", "status", "cancel", "retry", "help"
  std::string line;                  // the line as written (trimmed, at most 200 characters kept)
  int line_number = 0;               // 1-based, within the comment
  std::string target;                // publish: "master", "calico-3.4", "v3.4.1"
  std::vector<std::string> steps;    // publish: steps=…
  std::vector<std::string> platforms;// publish: platforms=…
  std::optional<std::int64_t> build; // status, cancel, retry: a build id
  bool dry_run = false;              // publish --dry-run: the plan as a reply, nothing queued
  std::string error;
  std::string usage;

  bool ok() const { return error.empty(); }
};

// What running a command may do, and what it says back: context.hpp.
class CommandContext;
struct Reply;

struct CommandSpec {
  std::string name;
  std::string usage;  // "/publish <master|calico-X.Y|vX.Y.Z> [steps=a,b] [platforms=x,y]"
  std::string help;   // one sentence
  bool privileged = false;  // needs write or admin on the repository (or a config allow-list entry)
  // A privileged command that changes nothing (publish --dry-run) needs no permission.
  bool needs_permission(const Command& command) const { return privileged && !command.dry_run; }
  // Checks the words after the name; fills `command` or sets command.error.
  std::function<void(const std::vector<std::string_view>& words, const config::Config&, Command& command)> parse;
  // Does what a well-formed command asks. May throw (see CommandContext).
  std::function<Reply(const Command& command, CommandContext& context)> run;
  // Whether the configuration uses the command at all (unset: always). When not, its word is
  // someone else's, like any unknown word.
  std::function<bool(const config::Config&)> enabled = {};
  // Where /help lists it (smallest first).
  int help_order = 50;
};

// A command is one file here defining its factory at the start of a line, exactly as
// `CommandSpec make_<name>_command() {`. The build finds every such factory in this folder and
// generates all_commands() from them (handlers/CMakeLists.txt): adding a command is adding its
// file (and its test), nothing else.

// Every command the bot knows, in /help order.
const std::vector<CommandSpec>& all_commands();
const CommandSpec* find_command(std::string_view name);

// The commands in a comment: lines whose first non-blank character is '/' followed by the name
// of a known command (any case), outside code, at most `max_commands` of them. Lines such as
// "/usr/bin is full" or "/deploy prod" (no such command) are not commands: they are ignored.
std::vector<Command> parse_comment(std::string_view body, const config::Config& config, std::size_t max_commands = 10);

// The /help reply's table: every command the configuration uses, with its usage and help.
std::string help_text(const config::Config& config);

// Shared argument rules.
// How an error reply quotes a word that was typed: in double quotes, at most `limit` characters,
// printable ASCII only (no markup tricks, no control characters).
std::string quote_word(std::string_view word, std::size_t limit);
// How much of a bad word an error reply repeats.
inline constexpr std::size_t kQuotedWordLimit = 60;
// "#12" or "12" → 12; nullopt (with error set) otherwise.
std::optional<std::int64_t> parse_build_id(std::string_view word, std::string& error);
// The optional single [build] argument of status, cancel and retry.
void parse_optional_build(const std::vector<std::string_view>& words, Command& command);

}  // namespace calico::handlers::commands
