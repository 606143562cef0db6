#include <gtest/gtest.h>

#include <regex>

#include "bot/status_page/trend.hpp"

namespace calico::status_page {
namespace {

BuildView view(std::int64_t id, handlers::BuildState state, launchpad::PublicationState publication, long long seconds) {
  BuildView out;
  out.build.id = id;
  out.build.version = "v3.4." + std::to_string(id);
  out.build.state = state;
  out.publication.state = publication;
  out.publication.total = publication == launchpad::PublicationState::nothing_to_watch ? 0 : 1;
  out.to_published_seconds = seconds;
  return out;
}

TEST(Trend, EachRecentBuildIsABarAsTallAsItsTimeToPublishedOldestFirst) {
  using handlers::BuildState;
  using launchpad::PublicationState;
  const BuildView newest = view(3, BuildState::succeeded, PublicationState::waiting, 600);
  const BuildView failed = view(2, BuildState::failed, PublicationState::nothing_to_watch, 300);
  const BuildView oldest = view(1, BuildState::succeeded, PublicationState::published, 1200);
  const std::string svg = trend_svg("calico-3.4", {&newest, &failed, &oldest});
  const std::regex bar(R"re(<g class="([a-z]+)" data-build="(\d+)" data-seconds="(\d+)"><title>([^<]*)</title><rect x="([0-9.]+)" y="[0-9.]+" width="[0-9.]+" height="([0-9.]+)")re");
  std::vector<std::string> order;
  std::vector<double> heights;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), bar); it != std::sregex_iterator(); ++it) {
    order.push_back((*it)[2].str() + " " + (*it)[1].str() + " " + (*it)[4].str());
    heights.push_back(std::stod((*it)[6]));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"1 published #1 v3.4.1: published, 20 min 0 s to published", "2 failed #2 v3.4.2: failed, 5 min 0 s",
                                              "3 waiting #3 v3.4.3: waiting, 10 min 0 s so far"}))
      << svg;
  ASSERT_EQ(heights.size(), 3u);
  EXPECT_DOUBLE_EQ(heights[0], 48.0) << "the longest fills the chart";
  EXPECT_DOUBLE_EQ(heights[1], 12.0);
  EXPECT_DOUBLE_EQ(heights[2], 24.0);
  EXPECT_NE(svg.find("data-target=\"calico-3.4\""), std::string::npos);
}

}  // namespace
}  // namespace calico::status_page
