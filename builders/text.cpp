#include "builders/text.hpp"


namespace calico::builders {

std::vector<std::string> split_on(std::string_view text, std::string_view separators) {
  std::vector<std::string> pieces;
  std::string current;
  for (char c : text) {
    if (separators.find(c) != std::string_view::npos) {
      if (!current.empty()) pieces.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) pieces.push_back(std::move(current));
  return pieces;
}

}  // namespace calico::builders
