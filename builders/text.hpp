// Small text helpers shared by the procedure's parts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace calico::builders {

// The non-empty pieces of `text` between any of the `separators`.
std::vector<std::string> split_on(std::string_view text, std::string_view separators);

}  // namespace calico::builders
