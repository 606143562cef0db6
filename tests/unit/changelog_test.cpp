#include <gtest/gtest.h>

#include "builders/deb/changelog.hpp"
#include "builders/deb/source_package.hpp"

using namespace calico::builders::deb;

TEST(Changelog, RendersOneEntryForTheSeries) {
  const ChangelogEntry entry{"felix", "1:3.4.1-xenial", "xenial", "Project Calico Maintainers <maintainers@projectcalico.org>",
                             "Release v3.4.1 from Git commit 6d1c5b9e0a3f.",
                             std::chrono::sys_seconds(std::chrono::seconds(1606784523))};
  EXPECT_EQ(render_changelog(entry),
            "felix (1:3.4.1-xenial) xenial; urgency=medium\n\n"
            "  * Release v3.4.1 from Git commit 6d1c5b9e0a3f.\n\n"
            " -- Project Calico Maintainers <maintainers@projectcalico.org>  Tue, 01 Dec 2020 01:02:03 +0000\n");
}

TEST(Changelog, SourceNameComesFromTheFirstParagraph) {
  EXPECT_EQ(control_source_name("Source: networking-calico  \nSection: net\n\nPackage: calico-dhcp-agent\n"), "networking-calico");
  EXPECT_THROW(control_source_name("Section: net\n\nSource: late\n"), std::runtime_error);
}

TEST(Changelog, FileNamesDropTheEpoch) {
  EXPECT_EQ(without_epoch("2:3.4.1-xenial"), "3.4.1-xenial");
  EXPECT_EQ(without_epoch("3.4.1-xenial"), "3.4.1-xenial");
}
