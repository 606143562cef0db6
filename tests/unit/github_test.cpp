// The pure parts of the GitHub conversation: App JWTs (checked by an independent verifier with
// the public key), rate-limit answers, Link headers, message shapes, and build reports.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "bot/github/app_jwt.hpp"
#include "bot/github/build_report.hpp"
#include "bot/github/governor.hpp"
#include "bot/github/messages.hpp"
#include "bot/github/outbox_sender.hpp"
#include "bot/github/rate_limit.hpp"
#include "tests/support/fake_github.hpp"

using namespace calico;
namespace json = boost::json;

namespace {

const std::chrono::sys_seconds kNow{std::chrono::seconds(1'800'000'000)};

TEST(AppJwtTest, IsAcceptedByAVerifierHoldingThePublicKey) {
  const testkit::RsaKeyPair& key = testkit::test_rsa_key();
  const std::string jwt = github::make_app_jwt("123456", key.private_pem, kNow);
  const std::string claims = testkit::verify_jwt(jwt, key.public_pem);
  ASSERT_FALSE(claims.empty()) << "the signature does not verify";
  const json::value parsed = json::parse(claims);
  EXPECT_EQ(parsed.at("iss").as_string(), "123456");
  EXPECT_EQ(parsed.at("iat").as_int64(), 1'800'000'000 - 60);
  EXPECT_EQ(parsed.at("exp").as_int64(), 1'800'000'000 + 540);
  EXPECT_EQ(jwt.find('='), std::string::npos);  // base64url without padding
}

TEST(AppJwtTest, AnotherKeyOrATamperedTokenDoesNotVerify) {
  const testkit::RsaKeyPair& key = testkit::test_rsa_key();
  const testkit::RsaKeyPair other = testkit::generate_rsa_key();
  const std::string jwt = github::make_app_jwt("1", key.private_pem, kNow);
  EXPECT_TRUE(testkit::verify_jwt(jwt, other.public_pem).empty());
  std::string tampered = jwt;
  const auto dot = tampered.find('.');
  tampered.replace(dot + 1, tampered.find('.', dot + 1) - dot - 1,
                   github::base64url_encode(R"({"iat":1,"exp":2,"iss":"999"})"));
  EXPECT_TRUE(testkit::verify_jwt(tampered, key.public_pem).empty());
}

TEST(AppJwtTest, ABadKeyIsAClearErrorWithoutTheKey) {
  try {
    github::make_app_jwt("1", "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n", kNow);
    FAIL() << "expected AuthError";
  } catch (const github::AuthError& e) {
    EXPECT_NE(std::string(e.what()).find("secrets.github_app_private_key"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("c2VjcmV0"), std::string::npos);
  }
}

TEST(Base64UrlTest, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(github::base64url_decode(github::base64url_encode(bytes)), bytes);
    bytes += static_cast<char>(i * 37 + 250);
  }
  EXPECT_EQ(github::base64url_encode("\xfb\xff"), "-_8");
  EXPECT_THROW(github::base64url_decode("a+b"), github::AuthError);
}

http::ClientResponse response(int status, std::vector<std::pair<std::string, std::string>> headers, std::string body = "") {
  return {status, std::move(body), std::move(headers)};
}

TEST(GovernorTest, OnePauseForReadsAndWritesGrowingOnRepeatedUnguidedLimitsAndKept) {
  auto now = kNow;
  std::vector<github::Pause> kept;
  github::Governor governor("token", std::nullopt, [&](const github::Pause& pause) { kept.push_back(pause); }, [&] { return now; });
  EXPECT_FALSE(governor.paused());
  EXPECT_NO_THROW(governor.check());
  const auto unguided = response(403, {}, R"({"message":"You have exceeded a secondary rate limit"})");
  governor.observe(unguided);
  ASSERT_TRUE(governor.paused());
  EXPECT_EQ(governor.paused()->until, now + std::chrono::seconds(60));
  EXPECT_THROW(governor.check(), github::RateLimitedError);
  try {
    governor.check();
  } catch (const github::RateLimitedError& e) {
    EXPECT_EQ(e.until, now + std::chrono::seconds(60));
    EXPECT_NE(std::string(e.what()).find("secondary rate limit"), std::string::npos) << e.what();
  }
  // Again right after the pause: two minutes, then four, never more than fifteen.
  now += std::chrono::seconds(61);
  EXPECT_FALSE(governor.paused());
  governor.observe(unguided);
  EXPECT_EQ(governor.paused()->until, now + std::chrono::seconds(120));
  for (int i = 0; i < 6; ++i) {
    now = governor.paused()->until + std::chrono::seconds(1);
    governor.observe(unguided);
  }
  EXPECT_EQ(governor.paused()->until, now + std::chrono::minutes(15));
  EXPECT_EQ(governor.paused()->strikes, 8);
  // An answer that is not a limit ends the series: the next guess is a minute again.
  now = governor.paused()->until + std::chrono::seconds(1);
  governor.observe(response(200, {}));
  governor.observe(unguided);
  EXPECT_EQ(governor.paused()->until, now + std::chrono::seconds(60));
  // GitHub's own figures are taken as they are.
  now += std::chrono::seconds(61);
  governor.observe(response(403, {{"retry-after", "7"}}));
  EXPECT_EQ(governor.paused()->until, now + std::chrono::seconds(7));
  EXPECT_GE(kept.size(), 10u);
  EXPECT_EQ(kept.back().until, now + std::chrono::seconds(7));

  // A restart takes the kept pause up where it was.
  github::Governor restored("token", kept.back(), {}, [&] { return now; });
  EXPECT_THROW(restored.check(), github::RateLimitedError);
}

TEST(RateLimitTest, ReadsRetryAfterThenThePrimaryLimitThenTheSecondaryMessage) {
  auto secondary = github::rate_limited(response(403, {{"Retry-After", "30"}}), kNow);
  ASSERT_TRUE(secondary);
  EXPECT_EQ(secondary->wait, std::chrono::seconds(30));
  auto primary = github::rate_limited(
      response(403, {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", std::to_string(1'800'000'042)}}), kNow);
  ASSERT_TRUE(primary);
  EXPECT_EQ(primary->wait, std::chrono::seconds(42));
  auto message_only = github::rate_limited(response(403, {}, R"({"message":"You have exceeded a secondary rate limit"})"), kNow);
  ASSERT_TRUE(message_only);
  EXPECT_EQ(message_only->wait, std::chrono::seconds(60));
  EXPECT_TRUE(github::rate_limited(response(429, {}), kNow));
  // A 403 for missing permissions is not a rate limit: waiting would not help.
  EXPECT_FALSE(github::rate_limited(response(403, {}, R"({"message":"Resource not accessible by integration"})"), kNow));
  EXPECT_FALSE(github::rate_limited(response(502, {{"retry-after", "5"}}), kNow));
  EXPECT_FALSE(github::rate_limited(response(201, {{"x-ratelimit-remaining", "0"}}), kNow));
}

TEST(LinkHeaderTest, FindsTheNextPage) {
  EXPECT_EQ(github::next_page_url("<https://api.github.com/x?page=2>; rel=\"next\", <https://api.github.com/x?page=5>; rel=\"last\""),
            "https://api.github.com/x?page=2");
  EXPECT_EQ(github::next_page_url("<https://api.github.com/x?page=1>; rel=\"prev\", <https://api.github.com/x?page=3>; rel=\"next\""),
            "https://api.github.com/x?page=3");
  EXPECT_EQ(github::next_page_url("<https://api.github.com/x?page=1>; rel=\"first\""), "");
  EXPECT_EQ(github::next_page_url(""), "");
  EXPECT_EQ(github::next_page_url("garbage <without end"), "");
}

TEST(MessagesTest, StatusDescriptionsAreCutToGitHubsLimitInCharacters) {
  const std::string long_text = std::string(130, 'a') + "ééééééééééééééééééééé";  // 151 characters, 172 bytes
  const store::OutboxMessage message = github::status_message("o/r", std::string(40, 'a'), "failure", "ctx", long_text, "http://x", "k");
  const github::Request request = github::decode_payload(message.payload);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/repos/o/r/statuses/" + std::string(40, 'a'));
  const json::value body = json::parse(request.body);
  const std::string description(body.at("description").as_string());
  std::size_t characters = 0;
  for (unsigned char c : description) characters += (c & 0xC0) != 0x80;
  EXPECT_EQ(characters, 140u);
  EXPECT_TRUE(description.ends_with("\u2026"));
  EXPECT_EQ(github::truncate_characters("short", 140), "short");
}

TEST(MessagesTest, CommentsCarryTheirDedupeMarker) {
  const store::OutboxMessage message = github::comment_message("o/r", 5, "hello", "comment:build-3:finished");
  const json::value body = json::parse(github::decode_payload(message.payload).body);
  EXPECT_TRUE(std::string(body.at("body").as_string()).ends_with("<!-- calico-release-bot:comment:build-3:finished -->"));
  EXPECT_EQ(github::comment_marker("a--b"), "<!-- calico-release-bot:a-b -->");
}

github::BuildFacts facts(const std::string& state) {
  github::BuildFacts f;
  f.build.id = 7;
  f.build.target_repo = "calico-3.4";
  f.build.version = "v3.4.1";
  f.build.state = *handlers::parse_build_state(state);
  f.status_page = "http://bot.example";
  f.steps = {{"felix/xenial", builders::pipeline::JobState::succeeded, "", "", {}, {}},   {"pub_debs/xenial", builders::pipeline::JobState::succeeded, "", "", {}, {}},
             {"felix/centos7", builders::pipeline::JobState::failed, "", "", {}, {}},     {"pub_rpms/centos7", builders::pipeline::JobState::skipped, "", "", {}, {}},
             {"net_cal/xenial", builders::pipeline::JobState::succeeded, "", "", {}, {}}, {"net_cal/centos7", builders::pipeline::JobState::succeeded, "", "", {}, {}}};
  f.origin.command_id = 3;
  f.origin.repository = "projectcalico/felix";
  f.origin.issue_number = 12;
  f.origin.head_sha = std::string(40, 'c');
  f.origin.requested_by = "maintainer";
  f.origin.comment_id = 901;
  f.sources = {{"projectcalico/felix", std::string(40, 'f')}};
  return f;
}

TEST(BuildReportTest, TheSummaryTableHasAComponentByPlatformCellForEveryJob) {
  const std::string table = github::summary_table(facts("failed"));
  EXPECT_NE(table.find("| component | xenial | centos7 | Launchpad |"), std::string::npos) << table;
  EXPECT_NE(table.find("| net_cal | ✅ published | ⏭ not published | — |"), std::string::npos) << table;
  EXPECT_NE(table.find("| felix | ✅ published | ❌ failed ([log](http://bot.example/builds/7/logs/felix/centos7)) | — |"),
            std::string::npos)
      << table;
  EXPECT_LT(table.find("| felix"), table.find("| net_cal"));  // the order the build recorded its jobs
}

TEST(BuildReportTest, APromotedReleaseSaysWhatWasCopiedAndWhyTheRestWasBuilt) {
  github::BuildFacts promoted = facts("succeeded");
  EXPECT_EQ(github::promotion_notes(promoted), "") << "no promotion, nothing said";
  promoted.steps[0].detail = "promoted: copied from testing: felix 3.4.1-xenial with its published binaries (pub_debs copies it), nothing built";
  promoted.steps[2].state = builders::pipeline::JobState::succeeded;
  promoted.steps[2].detail = "built from source, not promoted (testing holds no felix-3.4.1-1.el7.src.rpm): built felix-3.4.1-1.el7";
  promoted.steps[4].detail =
      "built from source, not promoted (no Launchpad OAuth token to copy with (secrets.launchpad_consumer_key)): built net_cal";
  const std::string notes = github::promotion_notes(promoted);
  EXPECT_EQ(notes,
            "\n**Promoted** (copied with their tested binaries, not built): `felix/xenial`\n"
            "\n**Not promoted**, built from source:\n"
            "- `felix/centos7`: testing holds no felix-3.4.1-1.el7.src.rpm\n"
            "- `net_cal/xenial`: no Launchpad OAuth token to copy with (secrets.launchpad_consumer_key)\n");
  // Said in the pull request's summary comment (and a check run's summary, for an App).
  bool said = false;
  for (const auto& message : github::build_report(promoted)) {
    if (message.kind != store::MessageKind::summary) continue;
    const json::value body = json::parse(github::decode_payload(message.payload).body);
    said = std::string(body.at("body").as_string()).find(notes) != std::string::npos;
  }
  EXPECT_TRUE(said);
}

TEST(BuildReportTest, StatusesGoToEverySourceAndThePullRequestHeadWithTheBuildsState) {
  for (const auto& [state, expected] : std::vector<std::pair<std::string, std::string>>{
           {"running", "pending"}, {"succeeded", "success"}, {"failed", "failure"}, {"cancelled", "error"}}) {
    const auto messages = github::build_report(facts(state));
    int statuses = 0;
    int summaries = 0;
    std::vector<std::string> reactions;
    for (const store::OutboxMessage& message : messages) {
      const json::value body = json::parse(github::decode_payload(message.payload).body);
      if (message.kind == store::MessageKind::status) {
        ++statuses;
        EXPECT_EQ(body.at("state").as_string(), expected);
        EXPECT_EQ(body.at("context").as_string(), "calico-release-bot/calico-3.4");
        EXPECT_EQ(body.at("target_url").as_string(), "http://bot.example/builds/7");
      } else if (message.kind == store::MessageKind::summary) {
        ++summaries;
        EXPECT_EQ(message.replaces, "summary:projectcalico/felix#12:build-7");
        EXPECT_TRUE(message.dedupe_key.starts_with(message.replaces + ":"));
        EXPECT_NE(std::string(body.at("body").as_string()).find("<!-- calico-release-bot:summary:projectcalico/felix#12:build-7 -->"),
                  std::string::npos);
      } else if (message.kind == store::MessageKind::reaction) {
        EXPECT_EQ(github::decode_payload(message.payload).path, "/repos/projectcalico/felix/issues/comments/901/reactions");
        reactions.emplace_back(body.at("content").as_string());
      }
    }
    EXPECT_EQ(statuses, 2) << state;   // felix's commit and the PR head
    EXPECT_EQ(summaries, 1) << state;  // one comment, edited as the build goes
    // The last word on the command: 🚀 once published, 😕 when it failed or was cancelled.
    const std::vector<std::string> last = state == "running"     ? std::vector<std::string>{}
                                          : state == "succeeded" ? std::vector<std::string>{"rocket"}
                                                                 : std::vector<std::string>{"confused"};
    EXPECT_EQ(reactions, last) << state;
  }
}

TEST(BuildReportTest, TheSummarysContentDecidesItsKeySoEveryChangeIsOneEdit) {
  github::BuildFacts f = facts("running");
  auto summary_of = [](const std::vector<store::OutboxMessage>& messages) {
    for (const auto& message : messages) {
      if (message.kind == store::MessageKind::summary) return message;
    }
    return store::OutboxMessage{};
  };
  const auto first = summary_of(github::build_report(f));
  EXPECT_EQ(summary_of(github::build_report(f)).dedupe_key, first.dedupe_key);
  EXPECT_NE(std::string(json::parse(github::decode_payload(first.payload).body).at("body").as_string())
                .find("⏳ is running (6 of 6 jobs finished so far)"),
            std::string::npos);
  f.steps.push_back({"felix/bionic", builders::pipeline::JobState::running, "", "", {}, {}});
  const auto second = summary_of(github::build_report(f));
  EXPECT_NE(second.dedupe_key, first.dedupe_key);
  EXPECT_EQ(second.replaces, first.replaces);
}

TEST(BuildReportTest, NothingIsSaidOfABuildBeforeItsFirstJob) {
  github::BuildFacts f = facts("running");
  f.steps.clear();
  EXPECT_TRUE(github::build_report(f).empty());
}

TEST(BuildReportTest, ABuildThatEndsBeforeAnyJobReportsOnTheCommitThatAskedForIt) {
  github::BuildFacts f = facts("failed");
  f.steps.clear();
  f.sources.clear();
  f.origin = {};
  f.build.detail = "tag v3.4.1 is missing on projectcalico/networking-calico after 60 minutes";
  f.origin.request_repository = "projectcalico/felix";
  f.origin.trigger_commit = std::string(40, 'a');
  const auto messages = github::build_report(f);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].kind, store::MessageKind::status);
  const github::Request request = github::decode_payload(messages[0].payload);
  EXPECT_EQ(request.path, "/repos/projectcalico/felix/statuses/" + std::string(40, 'a'));
  const json::value body = json::parse(request.body);
  EXPECT_EQ(body.at("state").as_string(), "failure");
  EXPECT_NE(std::string(body.at("description").as_string()).find("networking-calico"), std::string::npos);
  // Without the commit (a tag seen by `create` or a poll only), there is nowhere to say it.
  f.origin.trigger_commit.clear();
  EXPECT_TRUE(github::build_report(f).empty());
}

TEST(BuildReportTest, AnAutomaticBuildOnlySetsStatuses) {
  github::BuildFacts f = facts("succeeded");
  f.origin = {};
  const auto messages = github::build_report(f);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].kind, store::MessageKind::status);
}

}  // namespace
