// Finding command lines in a comment and splitting them into words: the grammar every command
// shares. Each command's own arguments are checked by its file.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

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

// Spaces of indentation (a tab counts as four, CommonMark's tab stop).
std::size_t indentation(std::string_view line) {
  std::size_t columns = 0;
  for (char c : line) {
    if (c == ' ') ++columns;
    else if (c == '\t') columns += 4 - columns % 4;
    else break;
  }
  return columns;
}

// The line without leading block-quote markers ("> ") and list-item markers ("- ", "* ", "+ ",
// "1. ", "1) "), and the indentation around them.
std::string_view without_containers(std::string_view line) {
  for (;;) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    line = line.substr(first);
    if (line.starts_with('>')) {
      line.remove_prefix(1);
      continue;
    }
    if (line.size() >= 2 && (line[0] == '-' || line[0] == '*' || line[0] == '+') && (line[1] == ' ' || line[1] == '\t')) {
      line.remove_prefix(2);
      continue;
    }
    std::size_t digits = 0;
    while (digits < line.size() && digits < 9 && line[digits] >= '0' && line[digits] <= '9') ++digits;
    if (digits > 0 && digits + 1 < line.size() && (line[digits] == '.' || line[digits] == ')') &&
        (line[digits + 1] == ' ' || line[digits + 1] == '\t')) {
      line.remove_prefix(digits + 2);
      continue;
    }
    return line;
  }
}

struct Fence {
  char marker;
  std::size_t length;
};

std::optional<Fence> opens_fence(std::string_view content) {
  if (content.empty() || (content[0] != '`' && content[0] != '~')) return std::nullopt;
  const char marker = content[0];
  const std::size_t length = std::min(content.find_first_not_of(marker), content.size());
  if (length < 3) return std::nullopt;
  // A backtick fence's info string cannot hold a backtick (that is inline code instead).
  if (marker == '`' && content.find('`', length) != std::string_view::npos) return std::nullopt;
  return Fence{marker, length};
}

bool closes(const Fence& fence, std::string_view content) {
  const std::size_t length = std::min(content.find_first_not_of(fence.marker), content.size());
  return length >= fence.length && trim(content.substr(length)).empty();
}

}  // namespace

std::vector<Command> parse_comment(std::string_view body, const config::Config& config, std::size_t max_commands) {
  std::vector<Command> found;
  // HTML comments are invisible on GitHub: what is inside one is not said. Blanked (newlines
  // kept, so line numbers stay right).
  std::string text(body);
  for (std::size_t open = text.find("<!--"); open != std::string::npos; open = text.find("<!--", open)) {
    const std::size_t close = text.find("-->", open + 4);
    const std::size_t stop = close == std::string::npos ? text.size() : close + 3;
    for (std::size_t k = open; k < stop; ++k) {
      if (text[k] != '\n') text[k] = ' ';
    }
    open = stop;
  }
  std::optional<Fence> fence;  // the code fence we are in, if any
  int line_number = 0;
  std::size_t at = 0;
  while (at <= text.size() && found.size() < max_commands) {
    const auto end = std::min(text.find('\n', at), text.size());
    const std::string_view raw = std::string_view(text).substr(at, end - at);
    at = end + 1;
    ++line_number;
    // Fences (CommonMark): ``` or ~~~, three or more, closed by the same character at least as
    // many times; also inside list items and block quotes, so container markers are skipped.
    const std::string_view content = without_containers(raw);
    if (fence) {
      if (closes(*fence, content)) fence.reset();
      if (end == text.size()) break;
      continue;
    }
    if ((fence = opens_fence(content))) {
      if (end == text.size()) break;
      continue;
    }
    // A command is a line of its own starting with '/', indented by at most three spaces: four
    // or more (or a tab) is an indented code block, or part of the paragraph above; a line in a
    // list item or a block quote is not a command either.
    if (indentation(raw) > 3) continue;
    const std::string_view line = trim(raw);
    if (line.size() < 2 || line[0] != '/' || line[1] == ' ' || line[1] == '\t') continue;
    std::vector<std::string_view> words = words_of(line.substr(1));
    if (words.empty()) continue;
    // Command words match whatever their case: "/Publish" is /publish.
    std::string name(words[0]);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!command_shaped(name)) continue;
    // A word the bot does not know is someone else's (another bot's, or prose): ignored, as
    // Prow's plugins ignore what is not theirs, so that nobody can make the bot talk with it.
    const CommandSpec* spec = find_command(name);
    if (!spec || (spec->enabled && !spec->enabled(config))) continue;
    Command command;
    command.line = printable(line);
    command.line_number = line_number;
    command.name = name;
    command.usage = spec->usage;
    if (line.size() > kMaxLine) {
      command.error = "the line is longer than " + std::to_string(kMaxLine) + " characters";
    } else {
      words.erase(words.begin());
      spec->parse(words, config, command);
    }
    found.push_back(std::move(command));
    if (end == text.size()) break;
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

const CommandSpec* find_command(std::string_view name) {
  for (const CommandSpec& spec : all_commands()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace calico::handlers::commands
