#include <gtest/gtest.h>

#include "bot/poll/poller.hpp"

using namespace calico::poll;

TEST(DiffRefs, FindsCreatedMovedAndDeletedRefs) {
  const std::map<std::string, std::string> before = {
      {"refs/heads/master", "aaa"}, {"refs/heads/old", "bbb"}, {"refs/tags/v3.4.0", "ccc"}};
  const std::map<std::string, std::string> after = {
      {"refs/heads/master", "ddd"}, {"refs/tags/v3.4.0", "ccc"}, {"refs/tags/v3.4.1", "eee"}, {"refs/tags/v3.5.0", "fff"}};
  EXPECT_EQ(diff_refs(before, after), (std::vector<RefChange>{{"refs/heads/master", "aaa", "ddd"},
                                                              {"refs/heads/old", "bbb", ""},
                                                              {"refs/tags/v3.4.1", "", "eee"},
                                                              {"refs/tags/v3.5.0", "", "fff"}}));
  EXPECT_TRUE(diff_refs(after, after).empty());
}

TEST(DiffRefs, ChangesBecomeThePushEventsAWebhookWouldBring) {
  const auto created = push_event_for("projectcalico/felix", {"refs/tags/v3.4.1", "", "eee"});
  EXPECT_TRUE(created.created);
  EXPECT_FALSE(created.deleted);
  EXPECT_EQ(created.before, std::string(40, '0'));
  EXPECT_EQ(created.short_ref(), "v3.4.1");
  const auto deleted = push_event_for("projectcalico/felix", {"refs/heads/old", "bbb", ""});
  EXPECT_TRUE(deleted.deleted);
  EXPECT_EQ(deleted.after, std::string(40, '0'));
}
