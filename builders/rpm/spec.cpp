#include "builders/rpm/spec.hpp"

#include <ctime>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "builders/utc_time.hpp"

namespace calico::builders::rpm {

namespace {

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return lines;
}

// The value of the first "Key:" line, trimmed.
std::string field(std::string_view spec, std::string_view key) {
  for (const std::string& line : lines_of(spec)) {
    if (line.rfind(key, 0) != 0) continue;
    const auto first = line.find_first_not_of(" \t", key.size());
    const auto last = line.find_last_not_of(" \t\r");
    if (first != std::string::npos) return line.substr(first, last - first + 1);
  }
  throw std::runtime_error("the spec has no " + std::string(key) + " line with a value");
}

}  // namespace

std::string changelog_date(std::chrono::sys_seconds time) { return format_utc(time, "%a %b %d %Y"); }

std::string fill_spec(std::string_view spec_in, const SpecFill& fill) {
  bool version = false, release = false, changelog = false;
  std::ostringstream out;
  const bool ends_with_newline = spec_in.ends_with("\n");
  std::vector<std::string> lines = lines_of(spec_in);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.rfind("Version:", 0) == 0) {
      out << "Version:        " << fill.version.rpm_version;
      version = true;
    } else if (line.rfind("Release:", 0) == 0) {
      out << "Release:        " << fill.version.rpm_release << "%{?dist}";
      release = true;
    } else {
      out << line;
    }
    if (i + 1 < lines.size() || ends_with_newline) out << "\n";
    if (line.rfind("%changelog", 0) == 0) {
      out << "* " << changelog_date(fill.date) << " " << fill.maintainer << " " << fill.version.rpm_version << "-"
          << fill.version.rpm_release << "\n  - " << fill.change << "\n\n";
      changelog = true;
    }
  }
  if (!version) throw std::runtime_error("the spec template has no Version: line");
  if (!release) throw std::runtime_error("the spec template has no Release: line");
  if (!changelog) throw std::runtime_error("the spec template has no %changelog line");
  return out.str();
}

std::string spec_name(std::string_view spec) { return field(spec, "Name:"); }

std::string spec_version(std::string_view spec) { return field(spec, "Version:"); }

}  // namespace calico::builders::rpm
