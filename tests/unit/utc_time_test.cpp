// Every calendar format the bot writes comes from builders::format_utc.
#include <gtest/gtest.h>

#include "bot/util/time_format.hpp"
#include "builders/deb/changelog.hpp"
#include "builders/rpm/spec.hpp"
#include "builders/utc_time.hpp"
#include "builders/versions.hpp"

using namespace calico;

TEST(FormatUtc, EveryFormatFromOneBreakdown) {
  // 2020-12-01 01:02:03 UTC, a Tuesday.
  const std::chrono::sys_seconds time = std::chrono::sys_days(std::chrono::year(2020) / 12 / 1) + std::chrono::hours(1) +
                                        std::chrono::minutes(2) + std::chrono::seconds(3);
  EXPECT_EQ(builders::format_utc(time, "%Y-%m-%d %H:%M:%S"), "2020-12-01 01:02:03");
  EXPECT_EQ(util::iso8601(time), "2020-12-01T01:02:03.000Z");
  EXPECT_EQ(util::parse_iso8601(util::iso8601(time)), time);
  EXPECT_EQ(builders::deb::rfc2822(time), "Tue, 01 Dec 2020 01:02:03 +0000");
  EXPECT_EQ(builders::compact_utc(time), "20201201010203");
  EXPECT_EQ(builders::rpm::changelog_date(time), "Tue Dec 01 2020");
  const std::string now = util::utc_now_iso8601();
  ASSERT_EQ(now.size(), 24u) << now;
  EXPECT_EQ(now.substr(19, 1), ".");
  EXPECT_EQ(now.back(), 'Z');
  EXPECT_TRUE(util::parse_iso8601(now).has_value()) << now;
}
