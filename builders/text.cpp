#include "builders/text.hpp"

#include <random>

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

std::string random_hex(std::size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device device;
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    const unsigned value = device() & 0xff;
    out += kHex[value >> 4];
    out += kHex[value & 15];
  }
  return out;
}

}  // namespace calico::builders
