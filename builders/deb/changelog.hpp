// debian/changelog for one series: a single entry, regenerated for every build, so that what is
// uploaded says exactly which version, series and commit it is.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace calico::builders::deb {

struct ChangelogEntry {
  std::string source;      // source package name, from debian/control
  std::string version;     // full Debian version: "[epoch:]upstream-series"
  std::string series;      // "xenial"
  std::string maintainer;  // "Name <email>"
  std::string change;      // "Felix 3.4.1 from Git commit 6d1c5b9e0a3f." / "Development snapshot …"
  std::chrono::sys_seconds date;
};

std::string render_changelog(const ChangelogEntry& entry);

// "Mon, 01 Dec 2020 01:02:03 +0000" (RFC 2822, as dpkg wants it).
std::string rfc2822(std::chrono::sys_seconds time);

// The Source: field of a debian/control text. Throws std::runtime_error when missing.
std::string control_source_name(std::string_view control);

}  // namespace calico::builders::deb
