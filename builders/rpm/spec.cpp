#include "builders/rpm/spec.hpp"

#include <ctime>
#include <sstream>
#include <stdexcept>

namespace calico::builders::rpm {

namespace {
void replace_all(std::string& text, std::string_view placeholder, const std::string& value) {
  std::size_t at = text.find(placeholder);
  if (at == std::string::npos) throw std::runtime_error("the spec template has no " + std::string(placeholder));
  for (; at != std::string::npos; at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
}
}  // namespace

std::string changelog_date(std::chrono::sys_seconds time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a %b %d %Y", &tm);
  return buffer;
}

std::string fill_spec(std::string_view spec_in, const SpecFill& fill) {
  std::string spec(spec_in);
  replace_all(spec, "@VERSION@", fill.version.rpm_version);
  replace_all(spec, "@RELEASE@", fill.version.rpm_release);
  const std::string evr = (fill.version.epoch ? std::to_string(fill.version.epoch) + ":" : std::string()) +
                          fill.version.rpm_version + "-" + fill.version.rpm_release;
  replace_all(spec, "@CHANGELOG@",
              "* " + changelog_date(fill.date) + " " + fill.maintainer + " " + evr + "\n  - " + fill.change);
  if (fill.version.epoch) {
    const std::size_t version_line = spec.find("\nVersion:");
    if (version_line == std::string::npos) throw std::runtime_error("the spec template has no Version: line");
    spec.insert(version_line + 1, "Epoch:          " + std::to_string(fill.version.epoch) + "\n");
  }
  return spec;
}

std::string spec_name(std::string_view spec) {
  std::istringstream lines{std::string(spec)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("Name:", 0) == 0) {
      const auto first = line.find_first_not_of(" \t", 5);
      const auto last = line.find_last_not_of(" \t\r");
      if (first != std::string::npos) return line.substr(first, last - first + 1);
    }
  }
  throw std::runtime_error("the spec has no Name: line");
}

}  // namespace calico::builders::rpm
