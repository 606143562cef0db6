// Finding command lines in a comment and splitting them into words: the grammar every command
// shares. Each command's own arguments are checked by its file.
#include <algorithm>

#include "handlers/commands/command.hpp"

namespace calico::handlers::commands {

namespace {

constexpr std::size_t kMaxLine = 200;

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t at = 0;
  while (at < line.size()) {
    const auto start = line.find_first_not_of(" \t", at);
    if (start == std::string_view::npos) break;
    const auto end = std::min(line.find_first_of(" \t", start), line.size());
    words.push_back(line.substr(start, end - start));
    at = end;
  }
  return words;
}

bool command_shaped(std::string_view word) {
  if (word.empty() || word.size() > 32 || word[0] < 'a' || word[0] > 'z') return false;
  return std::all_of(word.begin(), word.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// Keeps what is printable ASCII, so an error reply quoting the line cannot carry markup tricks
// or control characters.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxLine)) out += (c >= 0x20 && c < 0x7f && c != '`') ? c : '?';
  return out;
}

}  // namespace

std::vector<Command> parse_comment(std::string_view body, const config::Config& config, std::size_t max_commands) {
  std::vector<Command> found;
  bool in_fence = false;
  int line_number = 0;
  std::size_t at = 0;
  while (at <= body.size() && found.size() < max_commands) {
    const auto end = std::min(body.find('\n', at), body.size());
    const std::string_view line = trim(body.substr(at, end - at));
    at = end + 1;
    ++line_number;
    if (line.starts_with("```") || line.starts_with("~~~")) {
      in_fence = !in_fence;
      continue;
    }
    if (in_fence || line.size() < 2 || line[0] != '/' || line[1] == ' ' || line[1] == '\t') continue;
    std::vector<std::string_view> words = words_of(line.substr(1));
    if (words.empty() || !command_shaped(words[0])) continue;
    Command command;
    command.line = printable(line);
    command.line_number = line_number;
    command.name = std::string(words[0]);
    if (line.size() > kMaxLine) {
      command.error = "the line is longer than " + std::to_string(kMaxLine) + " characters";
    } else if (const CommandSpec* spec = find_command(words[0])) {
      command.usage = spec->usage;
      words.erase(words.begin());
      spec->parse(words, config, command);
    } else {
      command.error = "there is no command /" + command.name;
      std::string known;
      for (const CommandSpec& spec : all_commands()) known += (known.empty() ? "" : ", ") + ("/" + spec.name);
      command.usage = "known commands: " + known;
    }
    found.push_back(std::move(command));
    if (end == body.size()) break;
  }
  return found;
}

std::string quote_word(std::string_view word, std::size_t limit) { return "\"" + printable(word.substr(0, limit)) + "\""; }

std::optional<std::int64_t> parse_build_id(std::string_view word, std::string& error) {
  std::string_view digits = word.starts_with('#') ? word.substr(1) : word;
  const bool shaped = !digits.empty() && digits.size() <= 9 && digits[0] != '0' &&
                      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!shaped) {
    error = quote_word(word, 40) + " is not a build number (like 12 or #12)";
    return std::nullopt;
  }
  return std::stoll(std::string(digits));
}

void parse_optional_build(const std::vector<std::string_view>& words, Command& command) {
  if (words.size() > 1) {
    command.error = "takes at most one argument, a build number; got " + std::to_string(words.size());
    return;
  }
  if (words.size() == 1) command.build = parse_build_id(words[0], command.error);
}

const std::vector<CommandSpec>& all_commands() {
  static const std::vector<CommandSpec> commands = {make_publish_command(), make_status_command(), make_cancel_command(),
                                                    make_retry_command(), make_help_command()};
  return commands;
}

const CommandSpec* find_command(std::string_view name) {
  for (const CommandSpec& spec : all_commands()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace calico::handlers::commands
