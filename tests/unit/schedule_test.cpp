// The dispatcher's scheduling rules as plain functions of time and facts: no store, no clock.
#include <gtest/gtest.h>

#include "bot/builds/schedule.hpp"
#include "bot/util/time_format.hpp"

using namespace calico;
using namespace std::chrono;

namespace {
sys_seconds at(const std::string& iso) { return *util::parse_iso8601(iso); }
}  // namespace

TEST(ScheduleRules, NightlyOncePerDayAtItsTimeOnlyWhenMasterChangedSinceTheLastGoodBuild) {
  config::DispatchConfig dispatch;  // 02:00 UTC
  EXPECT_FALSE(builds::nightly_time(at("2026-12-01T01:59:00Z"), dispatch, ""));
  EXPECT_EQ(builds::nightly_time(at("2026-12-01T02:00:00Z"), dispatch, ""), "2026-12-01");
  EXPECT_FALSE(builds::nightly_time(at("2026-12-01T23:00:00Z"), dispatch, "2026-12-01")) << "once a day";
  builds::MasterFacts facts{{"2026-11-30T10:00:00Z"}, "2026-11-30T12:00:00Z", "2026-11-30T12:00:00Z"};
  EXPECT_FALSE(builds::nightly_request(facts)) << "nothing changed since the last good build";
  facts.changed_at.push_back("2026-11-30T18:00:00Z");
  const auto request = builds::nightly_request(facts);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->target_repo, "master");
  EXPECT_EQ(request->kind, handlers::BuildRequest::Kind::nightly);
  EXPECT_TRUE(builds::nightly_request({{"2026-11-30T10:00:00Z"}, std::nullopt, std::nullopt})) << "never built";
}

TEST(ScheduleRules, QuietPeriodBuildsMasterOnceItHasBeenQuiet) {
  config::DispatchConfig dispatch;
  const builds::MasterFacts facts{{"2026-12-01T10:00:00Z", "2026-12-01T10:20:00Z"}, std::nullopt, "2026-12-01T09:00:00Z"};
  EXPECT_FALSE(builds::quiet_request(at("2026-12-01T12:00:00Z"), dispatch, facts)) << "off by default";
  dispatch.master_quiet = minutes(30);
  EXPECT_FALSE(builds::quiet_request(at("2026-12-01T10:40:00Z"), dispatch, facts)) << "the newest change is 20 minutes old";
  EXPECT_TRUE(builds::quiet_request(at("2026-12-01T10:50:00Z"), dispatch, facts));
  builds::MasterFacts built = facts;
  built.last_build_started = "2026-12-01T10:30:00Z";
  EXPECT_FALSE(builds::quiet_request(at("2026-12-01T11:00:00Z"), dispatch, built)) << "a build started since";
}

TEST(ScheduleRules, ATagWaitWaitsThenGivesUpNamingWhatIsMissing) {
  config::DispatchConfig dispatch;  // wait an hour, check every minute
  const auto asked = at("2026-12-01T10:00:00Z");
  EXPECT_EQ(builds::tag_wait("v3.4.1", {}, asked, asked, dispatch).verdict, builds::TagWait::Verdict::ready);
  const auto wait = builds::tag_wait("v3.4.1", {"networking-calico"}, asked, asked + minutes(10), dispatch);
  EXPECT_EQ(wait.verdict, builds::TagWait::Verdict::wait);
  EXPECT_EQ(wait.retry_at, asked + minutes(11));
  const auto over = builds::tag_wait("v3.4.1", {"networking-calico", "felix"}, asked, asked + minutes(60), dispatch);
  EXPECT_EQ(over.verdict, builds::TagWait::Verdict::give_up);
  EXPECT_EQ(over.detail, "v3.4.1 is still missing on networking-calico, felix after 60 minutes");
}

TEST(ScheduleRules, ANewlyConfiguredComponentRefRebuildsThatComponentOnThatPlatform) {
  const config::PublishConfig publish = config::default_publish_config();
  const config::ComponentConfig* dnsmasq = publish.find_component("dnsmasq");
  ASSERT_NE(dnsmasq, nullptr);
  // First sight: remembered, nothing rebuilt.
  const auto first = builds::component_ref_changes(publish, {});
  EXPECT_FALSE(first.remember.empty());
  EXPECT_TRUE(first.requests.empty());
  std::map<std::pair<std::string, std::string>, std::string> known;
  for (const auto& ref : first.remember) known[{ref.component, ref.platform}] = ref.ref;
  EXPECT_TRUE(builds::component_ref_changes(publish, known).remember.empty()) << "unchanged";
  // The configuration moves one platform's ref: that platform is rebuilt, and published.
  const auto& [key, ref] = *known.find({"dnsmasq", dnsmasq->platforms.front()});
  known[key] = "an-older-ref";
  const auto changed = builds::component_ref_changes(publish, known);
  ASSERT_EQ(changed.requests.size(), 1u);
  EXPECT_EQ(changed.requests[0].platforms, std::vector<std::string>{key.second});
  EXPECT_EQ(changed.requests[0].steps.at(0), dnsmasq->step);
  EXPECT_NE(changed.requests[0].trigger.find("(was an-older-ref)"), std::string::npos) << changed.requests[0].trigger;
  (void)ref;
}
