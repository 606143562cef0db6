#include <gtest/gtest.h>

#include "builders/deb/changelog.hpp"
#include "builders/deb/source_package.hpp"

using namespace calico::builders::deb;

TEST(Changelog, RendersOneEntryForTheSeriesInTheScriptsWords) {
  const ChangelogEntry entry{"networking-calico", "1:3.4.1-xenial", "xenial",
                             "Project Calico Maintainers <maintainers@projectcalico.org>",
                             change_line(true, "networking-calico", "3.4.1", "6d1c5b9e0a3f1234"),
                             std::chrono::sys_seconds(std::chrono::seconds(1606784523))};
  EXPECT_EQ(render_changelog(entry),
            "networking-calico (1:3.4.1-xenial) xenial; urgency=low\n\n"
            "  * networking-calico v3.4.1 (from Git commit 6d1c5b9).\n\n"
            " -- Project Calico Maintainers <maintainers@projectcalico.org>  Tue, 01 Dec 2020 01:02:03 +0000\n\n");
  EXPECT_EQ(change_line(false, "Felix", "3.22.0-0.dev.post56+x", "abcdef0123"), "Development snapshot (from Git commit abcdef0).");
}

TEST(Changelog, RetargetingChangesTheDistributionAsTheScriptsSedDoes) {
  const std::string dnsmasq =
      "dnsmasq (2.79test1calico1-2~trusty) trusty; urgency=medium\n\n  * x\n\n -- A <a@b>  Tue, 01 Dec 2020 00:00:00 +0000\n\n"
      "dnsmasq (2.79test1calico1-1~trusty) trusty; urgency=medium\n";
  // sed s/trusty/xenial/g
  EXPECT_EQ(retarget_changelog(dnsmasq, "xenial", true),
            "dnsmasq (2.79test1calico1-2~xenial) xenial; urgency=medium\n\n  * x\n\n -- A <a@b>  Tue, 01 Dec 2020 00:00:00 +0000\n\n"
            "dnsmasq (2.79test1calico1-1~xenial) xenial; urgency=medium\n");
  EXPECT_EQ(changelog_version(retarget_changelog(dnsmasq, "xenial", true)), "2.79test1calico1-2~xenial");
  EXPECT_EQ(retarget_changelog(dnsmasq, "trusty", true), dnsmasq);
  // sed '1 s/unstable/xenial/'
  const std::string nettle = "nettle (3.3-1) unstable; urgency=medium\n\nnettle (3.2-1) unstable; urgency=medium\n";
  EXPECT_EQ(retarget_changelog(nettle, "xenial", false), "nettle (3.3-1) xenial; urgency=medium\n\nnettle (3.2-1) unstable; urgency=medium\n");
  EXPECT_THROW(retarget_changelog("not a changelog\n", "xenial", false), std::runtime_error);
  EXPECT_THROW(changelog_version("x () y; urgency=low\n"), std::runtime_error);
}

TEST(Changelog, SourceNameComesFromTheFirstParagraph) {
  EXPECT_EQ(control_source_name("Source: networking-calico  \nSection: net\n\nPackage: calico-dhcp-agent\n"), "networking-calico");
  EXPECT_THROW(control_source_name("Section: net\n\nSource: late\n"), std::runtime_error);
}

TEST(Changelog, FileNamesDropTheEpoch) {
  EXPECT_EQ(without_epoch("2:3.4.1-xenial"), "3.4.1-xenial");
  EXPECT_EQ(without_epoch("3.4.1-xenial"), "3.4.1-xenial");
}
