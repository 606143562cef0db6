#include "builders/release_version.hpp"

#include <charconv>

namespace calico::builders {

namespace {

// Reads one version component; leading zeros are refused so "v3.04.1" cannot alias "v3.4.1".
bool read_number(std::string_view& text, unsigned& out) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 6 || (digits > 1 && text[0] == '0')) return false;
  std::from_chars(text.data(), text.data() + digits, out);
  text.remove_prefix(digits);
  return true;
}

bool consume(std::string_view& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

}  // namespace

std::string ReleaseTag::tag() const {
  return "v" + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch) +
         (python2 ? "-python2" : "");
}

std::string ReleaseTag::target_repo() const {
  return "calico-" + std::to_string(major) + "." + std::to_string(minor) + (python2 ? "-python2" : "");
}

std::optional<ReleaseTag> parse_release_tag(std::string_view text) {
  ReleaseTag tag;
  if (!consume(text, "v") || !read_number(text, tag.major) || !consume(text, ".") ||
      !read_number(text, tag.minor) || !consume(text, ".") || !read_number(text, tag.patch)) {
    return std::nullopt;
  }
  if (consume(text, "-python2")) tag.python2 = true;
  if (!text.empty()) return std::nullopt;
  return tag;
}

bool is_release_branch(std::string_view version) {
  ReleaseTag unused;
  return consume(version, "release-v") && read_number(version, unused.major) && consume(version, ".") &&
         read_number(version, unused.minor) && version.empty();
}

std::string target_repo_for_version(std::string_view version) {
  if (version == "master") return "master";
  if (is_release_branch(version)) return "testing";
  if (std::optional<ReleaseTag> tag = parse_release_tag(version)) return tag->target_repo();
  std::string shown(version.substr(0, 80));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  throw PlanError("VERSION \"" + shown + "\" is not master, vX.Y.Z, vX.Y.Z-python2 or release-vX.Y");
}

}  // namespace calico::builders
