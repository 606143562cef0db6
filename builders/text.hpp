// Small text helpers shared by the procedure's parts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace calico::builders {

// The non-empty pieces of `text` between any of the `separators`.
std::vector<std::string> split_on(std::string_view text, std::string_view separators);

// `bytes` random bytes (std::random_device) as lower-case hex: names no two runs share.
std::string random_hex(std::size_t bytes);

}  // namespace calico::builders
