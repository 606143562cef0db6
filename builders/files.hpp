// Whole files, the one way the builders read and write them. The error a caller throws is its
// own (SignError, BuildError, …); the message is always "cannot read <file>" or "cannot write
// <file>", with the reason when there is one.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace calico::builders {

// The whole file, or nullopt when it cannot be read (callers name the error in their own terms).
std::optional<std::string> read_whole_file(const std::filesystem::path& file);

enum class FileAccess { usual, owner_only };  // owner_only: a secret, 0600 before any byte is written

// Writes through a temporary file and a rename, so readers see the old text or the new, never half.
bool replace_file(const std::filesystem::path& file, std::string_view text, FileAccess access = FileAccess::usual);

// Appends `text` to a log. A log that cannot be written loses the text, never the job.
void append_to_file(const std::filesystem::path& file, std::string_view text);

// "cannot <verb> <file>", and why when the file system says (it does not exist, a directory).
std::string file_error(std::string_view verb, const std::filesystem::path& file);

template <class Error = std::runtime_error>
std::string read_text(const std::filesystem::path& file) {
  std::optional<std::string> text = read_whole_file(file);
  if (!text) throw Error(file_error("read", file));
  return std::move(*text);
}

template <class Error = std::runtime_error>
void write_text(const std::filesystem::path& file, std::string_view text, FileAccess access = FileAccess::usual) {
  if (!replace_file(file, text, access)) throw Error(file_error("write", file));
}

}  // namespace calico::builders
