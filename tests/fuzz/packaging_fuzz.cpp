// libFuzzer harness for the packaging text the bot reads from repositories and archives:
// debian/changelog first lines (and their retargeting at a series), the Files: section of a
// .dsc or .changes, RPM spec templates, and version strings from tags. Whatever the bytes, each
// parser returns a result that keeps its promises or throws std::runtime_error; nothing else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "builders/deb/changelog.hpp"
#include "builders/deb/source_package.hpp"
#include "builders/rpm/spec.hpp"
#include "builders/versions.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

using namespace calico::builders;

void changelog(const std::string& text) {
  try {
    const std::string version = deb::changelog_version(text);
    check(!version.empty());
    for (bool everywhere : {false, true}) {
      const std::string retargeted = deb::retarget_changelog(text, "xenial", everywhere);
      const std::string first = retargeted.substr(0, retargeted.find('\n'));
      check(first.find(") xenial;") != std::string::npos);  // the series is the distribution now
      deb::changelog_version(retargeted);
    }
  } catch (const std::runtime_error&) {
  }
}

void files(const std::string& text) {
  try {
    for (const std::string& name : deb::listed_files(text)) {
      check(!name.empty() && name.find('/') == std::string::npos && name[0] != '.');
    }
  } catch (const std::runtime_error&) {
  }
}

void spec(const std::string& text) {
  try {
    const PackageVersion version = package_version("3.22.0-0.dev.post56+20211215101010+0000+abc1234", 1);
    const std::string filled = rpm::fill_spec(text, {version, "M <m@example.org>", "Change.", {}});
    check(rpm::spec_version(filled) == version.rpm_version);
  } catch (const std::runtime_error&) {
  }
}

void version(const std::string& text) {
  try {
    const PackageVersion v = package_version(text, 1);
    check(v.debian("xenial").ends_with("-xenial"));
    check(v.debian("xenial").starts_with("1:"));
    check(!v.rpm_version.empty() && v.rpm_version.find('_') == std::string::npos);
    check(!v.rpm_release.empty());
  } catch (const std::runtime_error&) {
  }
  try {
    const std::string made = auto_version("master", {{}, text, text.size(), {}, "abcdef0123456789"});
    check(text.empty() || made.size() >= text.size() - (text.starts_with("v") ? 1 : 0));
  } catch (const std::runtime_error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: changelog(text); break;
    case 1: files(text); break;
    case 2: spec(text); break;
    default: version(text); break;
  }
  return 0;
}
