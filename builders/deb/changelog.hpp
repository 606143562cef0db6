// debian/changelog: a new single entry for the components whose version the bot computes, or the
// source's own changelog retargeted at a series (dnsmasq's fork, nettle), as the scripts do.
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
  std::string change;      // "Felix v3.20.2 (from Git commit 1a2b3c4)." / "Development snapshot (…)."
  std::chrono::sys_seconds date;
};

// The scripts' entry: urgency low, one bullet.
std::string render_changelog(const ChangelogEntry& entry);

// The changelog's wording for one build, as make-packages.sh writes it.
std::string change_line(bool release, std::string_view title, std::string_view version, std::string_view sha);

// The source's own changelog for another series: the first line's distribution becomes `series`
// (nettle: "unstable" → "xenial"); with `everywhere`, every occurrence of that distribution's
// name does (dnsmasq's xenial tag still says "2.79test1calico1-2~trusty) trusty"). Throws
// std::runtime_error when the first line is not "name (version) distribution; …".
std::string retarget_changelog(std::string_view changelog, std::string_view series, bool everywhere);

// The full version of the first entry: "1:3.20.2-xenial". Throws std::runtime_error.
std::string changelog_version(std::string_view changelog);

// "Mon, 01 Dec 2020 01:02:03 +0000" (RFC 2822, as dpkg wants it).
std::string rfc2822(std::chrono::sys_seconds time);

// The Source: field of a debian/control text. Throws std::runtime_error when missing.
std::string control_source_name(std::string_view control);

}  // namespace calico::builders::deb
