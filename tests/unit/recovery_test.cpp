// Missed-delivery recovery's reading and deciding (no I/O), and what the store keeps of it.
#include <gtest/gtest.h>

#include "bot/recovery/missed.hpp"
#include "bot/store/deliveries.hpp"
#include "bot/store/recovery.hpp"
#include "bot/store/store.hpp"
#include "bot/webhook/decode_event.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using recovery::DeliveryAttempt;

namespace {

std::string attempt_json(std::int64_t id, const std::string& guid, int status_code, const std::string& delivered_at,
                         const std::string& event = "issue_comment", bool redelivery = false) {
  return R"({"id":)" + std::to_string(id) + R"(,"guid":")" + guid + R"(","delivered_at":")" + delivered_at +
         R"(","redelivery":)" + (redelivery ? "true" : "false") + R"(,"duration":0.27,"status":"x","status_code":)" +
         std::to_string(status_code) + R"(,"event":")" + event + R"(","action":"created","installation_id":null,"repository_id":1})";
}

bool any_event(std::string_view) { return true; }

}  // namespace

TEST(HookDeliveries, ParsesGitHubsListing) {
  const auto attempts = recovery::parse_delivery_attempts(
      "[" + attempt_json(12, "g-1", 0, "2026-12-01T10:00:00Z") + "," + attempt_json(13, "g-1", 202, "2026-12-01T10:05:00Z", "issue_comment", true) + "]");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].id, 12);
  EXPECT_EQ(attempts[0].guid, "g-1");
  EXPECT_EQ(attempts[0].status_code, 0);
  EXPECT_FALSE(attempts[0].redelivery);
  EXPECT_TRUE(attempts[1].redelivery);
  EXPECT_EQ(attempts[1].action, "created");
  EXPECT_TRUE(recovery::parse_delivery_attempts("[]").empty());
}

TEST(HookDeliveries, AListingOfTheWrongShapeIsRefusedNamingWhatIsWrong) {
  auto error_of = [](const std::string& text) {
    try {
      recovery::parse_delivery_attempts(text);
    } catch (const recovery::MalformedListing& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(error_of("{\"message\":\"Not Found\"}").find("not a JSON array"), std::string::npos);
  EXPECT_NE(error_of("[1]").find("not an object"), std::string::npos);
  EXPECT_NE(error_of(R"([{"id":1,"status_code":0,"delivered_at":"x","event":"push"}])").find("\"guid\""), std::string::npos);
  EXPECT_NE(error_of(R"([{"id":"1","guid":"g","status_code":0,"delivered_at":"x","event":"push"}])").find("\"id\""), std::string::npos);
  EXPECT_NE(error_of("[{").find("not JSON"), std::string::npos);
  // GitHub's ids are positive (a listing with another is not GitHub's; found by recovery_fuzz).
  EXPECT_NE(error_of("[" + attempt_json(-90000, "g", 503, "2026-12-01T09:00:00Z") + "]").find("not a positive integer"),
            std::string::npos);
  EXPECT_NE(error_of("[" + attempt_json(0, "g", 503, "2026-12-01T09:00:00Z") + "]").find("not a positive integer"),
            std::string::npos);
}

TEST(HookDeliveries, MissedAreThoseNoAttemptDeliveredThatAnotherAttemptCouldFix) {
  std::vector<DeliveryAttempt> attempts = {
      {30, "later", 502, "Invalid HTTP Response: 502", "2026-12-01T10:20:00Z", false, "push", ""},
      {21, "down", 0, "failed to connect to host", "2026-12-01T10:10:00Z", true, "issue_comment", "created"},
      {20, "down", 0, "failed to connect to host", "2026-12-01T10:00:00Z", false, "issue_comment", "created"},
      {19, "fixed", 202, "OK", "2026-12-01T09:59:00Z", true, "issue_comment", "created"},
      {18, "fixed", 0, "failed to connect to host", "2026-12-01T09:58:00Z", false, "issue_comment", "created"},
      {17, "refused", 401, "Invalid HTTP Response: 401", "2026-12-01T09:57:00Z", false, "push", ""},
      {16, "limited", 429, "Invalid HTTP Response: 429", "2026-12-01T09:56:00Z", false, "push", ""},
      {15, "noise", 0, "failed to connect to host", "2026-12-01T09:55:00Z", false, "watch", "started"},
  };
  const auto missed = recovery::missed_deliveries(attempts, [](std::string_view event) { return event != "watch"; });
  ASSERT_EQ(missed.size(), 3u);
  // Oldest first; a delivery tried twice is asked for again through its newest attempt.
  EXPECT_EQ(missed[0].guid, "limited");
  EXPECT_EQ(missed[1].guid, "down");
  EXPECT_EQ(missed[1].latest_attempt, 21);
  EXPECT_EQ(missed[1].attempts, 2);
  EXPECT_EQ(missed[1].first_delivered_at, "2026-12-01T10:00:00Z");
  EXPECT_EQ(missed[1].last_status, "failed to connect to host");
  EXPECT_EQ(missed[2].guid, "later");
  EXPECT_TRUE(recovery::retryable(0));
  EXPECT_TRUE(recovery::retryable(503));
  EXPECT_FALSE(recovery::retryable(400));
  EXPECT_FALSE(recovery::retryable(202));
  EXPECT_TRUE(recovery::missed_deliveries({}, any_event).empty());
}

TEST(ListedComments, BecomeTheDeliveryGitHubWouldHaveSentAndDecodeLikeIt) {
  const std::string listing = R"([{"id":901,"body":"/publish master","created_at":"2026-12-01T10:00:00Z",
      "updated_at":"2026-12-01T10:00:00Z","html_url":"https://github.com/projectcalico/felix/pull/12#issuecomment-901",
      "issue_url":"https://api.github.com/repos/projectcalico/felix/issues/12",
      "user":{"login":"maintainer","type":"User"},"performed_via_github_app":null},
     {"id":902,"body":"an issue","created_at":"2026-12-01T10:01:00Z","html_url":"https://github.com/projectcalico/felix/issues/3#issuecomment-902",
      "issue_url":"https://api.github.com/repos/projectcalico/felix/issues/3","user":{"login":"bot[bot]","type":"Bot"},
      "performed_via_github_app":{"id":4242,"slug":"bot"}}])";
  const auto comments = recovery::parse_listed_comments(listing);
  ASSERT_EQ(comments.size(), 2u);
  EXPECT_EQ(comments[0].issue_number, 12);
  EXPECT_TRUE(comments[0].on_pull_request);
  EXPECT_FALSE(comments[0].app_id);
  EXPECT_EQ(comments[1].issue_number, 3);
  EXPECT_FALSE(comments[1].on_pull_request);
  EXPECT_EQ(comments[1].app_id.value_or(0), 4242);
  EXPECT_EQ(comments[1].author_type, "Bot");

  const auto decoded = webhook::decode_event("issue_comment", recovery::comment_event_payload("projectcalico/felix", comments[0]));
  ASSERT_TRUE(std::holds_alternative<webhook::Decoded>(decoded));
  const auto& event = std::get<handlers::CommentEvent>(std::get<webhook::Decoded>(decoded).event);
  EXPECT_EQ(event.repository, "projectcalico/felix");
  EXPECT_EQ(event.issue_number, 12);
  EXPECT_EQ(event.comment_id, 901);
  EXPECT_EQ(event.body, "/publish master");
  EXPECT_EQ(event.author.login, "maintainer");
  // A comment on an issue, or by a bot, decodes as GitHub's own delivery would: ignored.
  EXPECT_TRUE(std::holds_alternative<webhook::Ignored>(
      webhook::decode_event("issue_comment", recovery::comment_event_payload("projectcalico/felix", comments[1]))));

  EXPECT_THROW(recovery::parse_listed_comments(R"([{"id":1,"body":"","created_at":"x","html_url":"h","issue_url":"https://x/pulls","user":{"login":"a"}}])"),
               recovery::MalformedListing);
  EXPECT_THROW(recovery::parse_listed_comments(R"([{"id":1,"body":"","created_at":"x","html_url":"h","issue_url":"https://x/issues/1"}])"),
               recovery::MalformedListing);
  // A deleted account's comment ("user": null, which GitHub's schema allows) is skipped, not the
  // page: the comments around it are read and the cursor moves on (#21 item 11).
  const auto around_ghost = recovery::parse_listed_comments(
      R"([{"id":1,"body":"/publish master","created_at":"2026-12-01T00:00:00Z","html_url":"https://github.com/o/r/pull/1#c1","issue_url":"https://api.github.com/repos/o/r/issues/1","user":null},)"
      R"({"id":2,"body":"/publish master","created_at":"2026-12-01T00:00:01Z","html_url":"https://github.com/o/r/pull/1#c2","issue_url":"https://api.github.com/repos/o/r/issues/1","user":{"login":"maintainer","type":"User"}}])");
  ASSERT_EQ(around_ghost.size(), 1u);
  EXPECT_EQ(around_ghost[0].id, 2);
}

TEST(RecoveryStore, CountsRequestsKeepsSourcesAndKnowsComments) {
  testkit::ScratchDir dir;
  config::StoreConfig config;
  config.path = dir.path() / "state.sqlite";
  store::Store store(config);
  store.call([](store::Database& db) {
    store::note_recovered(db, store::RecoveredKind::redelivery, "g-1", "hook 7", "push");
    store::note_recovered(db, store::RecoveredKind::redelivery, "g-1", "hook 7", "push");
    store::note_recovered(db, store::RecoveredKind::redelivery, "g-2", "hook 7", "push");
    store::note_recovered(db, store::RecoveredKind::comment, "projectcalico/felix#5", "comments projectcalico/felix", "issue_comment");
    store::record_delivery(db, {"g-1", "push", "", "projectcalico/felix", "{}", "2026-12-01T10:00:00.000Z"});
    store::save_recovery_source(db, {"hook 7", store::RecoveryMethod::redeliver, "2026-12-01T09:00:00.000Z",
                                     "2026-12-01T10:00:00.000Z", std::nullopt});
    store::save_recovery_source(db, {"hook 7", store::RecoveryMethod::redeliver, "2026-12-01T09:30:00.000Z",
                                     "2026-12-01T10:05:00.000Z", std::string("listing deliveries answered HTTP 502")});
  });
  const auto asked = store.call([](store::Database& db) { return store::find_recovered(db, store::RecoveredKind::redelivery, "g-1"); });
  ASSERT_TRUE(asked);
  EXPECT_EQ(asked->requests, 2);
  EXPECT_EQ(asked->source, "hook 7");
  const auto summary = store.call([](store::Database& db) { return store::recovery_summary(db); });
  EXPECT_EQ(summary.redeliveries, 2);
  EXPECT_EQ(summary.redelivered, 1);  // g-1 arrived, g-2 not (yet)
  EXPECT_EQ(summary.comments, 1);
  ASSERT_EQ(summary.sources.size(), 1u);
  EXPECT_EQ(summary.sources[0].cursor.value_or(""), "2026-12-01T09:30:00.000Z");
  EXPECT_EQ(summary.sources[0].last_error.value_or(""), "listing deliveries answered HTTP 502");

  // A comment is known once a delivery carries it, whether by webhook or recovered.
  EXPECT_FALSE(store.call([](store::Database& db) { return store::comment_known(db, "projectcalico/felix", 77); }));
  store.call([](store::Database& db) {
    store::record_delivery(db, {"c-77", "issue_comment", "created", "projectcalico/felix",
                                R"({"comment":{"id":77,"body":"/help"}})", "2026-12-01T10:00:00.000Z"});
  });
  EXPECT_TRUE(store.call([](store::Database& db) { return store::comment_known(db, "projectcalico/felix", 77); }));
  EXPECT_FALSE(store.call([](store::Database& db) { return store::comment_known(db, "projectcalico/typha", 77); }));
}
