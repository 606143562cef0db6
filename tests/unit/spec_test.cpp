#include <gtest/gtest.h>

#include "builders/rpm/spec.hpp"

using namespace calico::builders;

namespace {
const std::chrono::sys_seconds kDate{std::chrono::seconds(1606784523)};  // Tue Dec 01 2020 01:02:03 UTC

// The shape of upstream's felix.spec.in.
const char* kTemplate =
    "Name:           felix\n"
    "Version:        -- filled in by 'make rpm' when building packages --\n"
    "Release:        -- filled in by 'make rpm' when building packages --\n"
    "Source0:        felix-%{version}.tar.gz\n"
    "\n%changelog\n"
    "* Mon Nov 30 2020 Someone <someone@example.org> 3.17.0-1\n  - Older.\n";
}  // namespace

TEST(Spec, ReleaseFillsVersionReleaseAndAChangelogStanzaAsTheScriptsDo) {
  const std::string spec = rpm::fill_spec(kTemplate, {package_version("3.20.2", 0), "M <m@example.org>",
                                                       "Felix v3.20.2 (from Git commit 1a2b3c4).", kDate});
  EXPECT_EQ(spec,
            "Name:           felix\n"
            "Version:        3.20.2\n"
            "Release:        1%{?dist}\n"
            "Source0:        felix-%{version}.tar.gz\n"
            "\n%changelog\n"
            "* Tue Dec 01 2020 M <m@example.org> 3.20.2-1\n  - Felix v3.20.2 (from Git commit 1a2b3c4).\n\n"
            "* Mon Nov 30 2020 Someone <someone@example.org> 3.17.0-1\n  - Older.\n");
}

TEST(Spec, SnapshotReleaseCarriesTheDevSuffixAndTheSpecsOwnEpochStays) {
  const std::string with_epoch = std::string("Name: networking-calico\nEpoch:          1\nVersion:\nRelease:\n%changelog\n");
  const std::string spec = rpm::fill_spec(
      with_epoch, {package_version("3.22.0-0.dev.post56+20211215101010+0000+abc1234", 1), "M <m@example.org>", "Dev.", kDate});
  EXPECT_NE(spec.find("Epoch:          1\nVersion:        3.22.0\nRelease:        0.1.0.dev.post56+20211215101010+0000+abc1234%{?dist}\n"),
            std::string::npos)
      << spec;
  EXPECT_EQ(spec.find("Epoch:", spec.find("Epoch:") + 1), std::string::npos) << "no second Epoch:";
  EXPECT_NE(spec.find("3.22.0-0.1.0.dev.post56+20211215101010+0000+abc1234\n  - Dev.\n"), std::string::npos) << spec;
}

TEST(Spec, ATemplateWithoutTheLinesToFillIsRefused) {
  EXPECT_THROW(rpm::fill_spec("Name: x\nVersion: 1\n%changelog\n", {package_version("1.0.0", 0), "m", "c", kDate}),
               std::runtime_error);
  EXPECT_THROW(rpm::fill_spec("Name: x\nVersion: 1\nRelease: 1\n", {package_version("1.0.0", 0), "m", "c", kDate}),
               std::runtime_error);
}

TEST(Spec, NameAndVersionAreRead) {
  EXPECT_EQ(rpm::spec_name("Summary: y\nName:   dnsmasq\nVersion:        2.79_calico1\n"), "dnsmasq");
  EXPECT_EQ(rpm::spec_version("Name:   dnsmasq\nVersion:        2.79_calico1\n"), "2.79_calico1");
  EXPECT_THROW(rpm::spec_name("Version: 1\n"), std::runtime_error);
}
