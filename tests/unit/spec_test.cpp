#include <gtest/gtest.h>

#include "builders/rpm/spec.hpp"

using namespace calico::builders;

namespace {
const char* kTemplate = "Name:    felix\nVersion: @VERSION@\nRelease: @RELEASE@%{?dist}\n\n%changelog\n@CHANGELOG@\n";
}

TEST(Spec, FillsVersionReleaseAndChangelog) {
  const PackageVersion v = release_version(*parse_release_tag("v3.4.1"), 0);
  const std::string spec = rpm::fill_spec(kTemplate, {v, "Calico <c@example.org>", "Release v3.4.1",
                                                      std::chrono::sys_seconds(std::chrono::seconds(1606784523))});
  EXPECT_EQ(spec, "Name:    felix\nVersion: 3.4.1\nRelease: 1%{?dist}\n\n%changelog\n"
                  "* Tue Dec 01 2020 Calico <c@example.org> 3.4.1-1\n  - Release v3.4.1\n");
  EXPECT_EQ(rpm::spec_name(spec), "felix");
}

TEST(Spec, AddsAnEpochLineWhenThereIsOne) {
  const PackageVersion v = release_version(*parse_release_tag("v3.4.1"), 2);
  const std::string spec = rpm::fill_spec(kTemplate, {v, "C <c@example.org>", "x", std::chrono::sys_seconds{}});
  EXPECT_NE(spec.find("Name:    felix\nEpoch:          2\nVersion: 3.4.1\n"), std::string::npos) << spec;
  EXPECT_NE(spec.find(" 2:3.4.1-1\n"), std::string::npos);
}

TEST(Spec, MissingPlaceholdersAreNamed) {
  try {
    rpm::fill_spec("Name: x\nVersion: 1\n", {release_version(*parse_release_tag("v1.0.0"), 0), "m", "c", {}});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "the spec template has no @VERSION@");
  }
}
