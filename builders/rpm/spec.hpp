// The RPM spec of a build. A template (<name>.spec.in, as upstream keeps Felix's and
// networking-calico's) has its Version: and Release: lines set and a %changelog stanza added,
// as make-packages.sh does; a finished spec (dnsmasq's, etcd3gw's) is used unchanged. The spec's
// own Epoch: stays as it is.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "builders/versions.hpp"

namespace calico::builders::rpm {

struct SpecFill {
  PackageVersion version;
  std::string maintainer;
  std::string change;
  std::chrono::sys_seconds date;
};

// Throws std::runtime_error when the template has no Version:, Release: or %changelog line.
std::string fill_spec(std::string_view spec_in, const SpecFill& fill);

// The Name: of a spec. Throws std::runtime_error when missing.
std::string spec_name(std::string_view spec);

// The first Version: of a spec (what the source tarball is named after). Throws when missing.
std::string spec_version(std::string_view spec);

// "Tue Dec 01 2020", as %changelog wants it.
std::string changelog_date(std::chrono::sys_seconds time);

}  // namespace calico::builders::rpm
