// The RPM spec of a build: the package's rpm/<name>.spec.in with @VERSION@, @RELEASE@ and
// @CHANGELOG@ filled in (and an Epoch: line where the component has one).
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

// Throws std::runtime_error naming a placeholder the template lacks.
std::string fill_spec(std::string_view spec_in, const SpecFill& fill);

// The Name: of a spec. Throws std::runtime_error when missing.
std::string spec_name(std::string_view spec);

// "Tue Dec 01 2020", as %changelog wants it.
std::string changelog_date(std::chrono::sys_seconds time);

}  // namespace calico::builders::rpm
