// Small text helpers shared by the procedure's parts.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace calico::builders {

// The non-empty pieces of `text` between any of the `separators`.
std::vector<std::string> split_on(std::string_view text, std::string_view separators);

// The whole file, or nullopt when it cannot be read (callers name the error in their own terms).
std::optional<std::string> read_whole_file(const std::filesystem::path& file);

// Writes through a temporary file and a rename, so readers see the old text or the new, never half.
bool replace_file(const std::filesystem::path& file, std::string_view text);

}  // namespace calico::builders
