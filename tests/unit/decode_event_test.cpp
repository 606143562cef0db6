#include <gtest/gtest.h>

#include "bot/webhook/decode_event.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using namespace calico::webhook;

namespace {
template <class T>
T decoded_as(const std::string& event, const std::string& fixture) {
  DecodeOutcome outcome = decode_event(event, testkit::payload(fixture));
  if (const auto* m = std::get_if<Malformed>(&outcome)) ADD_FAILURE() << "malformed: " << m->reason;
  if (const auto* i = std::get_if<Ignored>(&outcome)) ADD_FAILURE() << "ignored: " << i->reason;
  const auto* decoded = std::get_if<Decoded>(&outcome);
  if (!decoded || !std::holds_alternative<T>(decoded->event)) throw std::runtime_error("wrong decode");
  return std::get<T>(decoded->event);
}

std::string ignored_reason(const std::string& event, const std::string& text) {
  DecodeOutcome outcome = decode_event(event, text);
  const auto* ignored = std::get_if<Ignored>(&outcome);
  return ignored ? ignored->reason : "<not ignored>";
}

std::string malformed_reason(const std::string& event, const std::string& text) {
  DecodeOutcome outcome = decode_event(event, text);
  const auto* malformed = std::get_if<Malformed>(&outcome);
  return malformed ? malformed->reason : "<not malformed>";
}
}  // namespace

TEST(DecodePush, TagPush) {
  const auto push = decoded_as<handlers::PushEvent>("push", "push_tag.json");
  EXPECT_EQ(push.repository, "projectcalico/felix");
  EXPECT_EQ(push.ref, "refs/tags/v3.4.1");
  EXPECT_TRUE(push.is_tag());
  EXPECT_EQ(push.short_ref(), "v3.4.1");
  EXPECT_TRUE(push.created);
  EXPECT_FALSE(push.deleted);
  EXPECT_EQ(push.after, "6d1c5b9e0a3f4e2b8c7d6e5f4a3b2c1d0e9f8a7b");
  EXPECT_EQ(push.head_commit, "6d1c5b9e0a3f4e2b8c7d6e5f4a3b2c1d0e9f8a7b");  // the commit the tag names
  EXPECT_EQ(push.sender.login, "releaser");
}

TEST(DecodePush, BranchPushDeletedAndForced) {
  const auto branch = decoded_as<handlers::PushEvent>("push", "push_branch.json");
  EXPECT_TRUE(branch.is_branch());
  EXPECT_EQ(branch.short_ref(), "master");
  EXPECT_FALSE(branch.created || branch.deleted || branch.forced);
  const auto deleted = decoded_as<handlers::PushEvent>("push", "push_deleted_branch.json");
  EXPECT_TRUE(deleted.deleted);
  const auto forced = decoded_as<handlers::PushEvent>("push", "push_forced_master.json");
  EXPECT_TRUE(forced.forced);
  EXPECT_EQ(forced.before, "1111111111111111111111111111111111111111");
}

TEST(DecodeRefEvents, CreateTagAndDeleteBranch) {
  const auto created = decoded_as<handlers::RefEvent>("create", "create_tag.json");
  EXPECT_EQ(created.kind, handlers::RefEvent::Kind::create);
  EXPECT_EQ(created.ref_type, handlers::RefEvent::RefType::tag);
  EXPECT_EQ(created.ref, "v3.4.1");
  EXPECT_EQ(created.repository, "projectcalico/networking-calico");
  const auto deleted = decoded_as<handlers::RefEvent>("delete", "delete_branch.json");
  EXPECT_EQ(deleted.kind, handlers::RefEvent::Kind::remove);
  EXPECT_EQ(deleted.ref_type, handlers::RefEvent::RefType::branch);
}

TEST(DecodeRefEvents, RepositoryCreationIsIgnored) {
  EXPECT_EQ(malformed_reason("create", R"({"ref":null,"ref_type":"tag","repository":{"full_name":"a/b"}})"),
            "the payload has no string \"ref\"");
  EXPECT_EQ(ignored_reason("create", R"({"ref":"main","ref_type":"repository","repository":{"full_name":"a/b"}})"),
            "ref_type repository is not used");
}

TEST(DecodeRelease, PublishedIsDecodedOtherActionsIgnored) {
  const auto release = decoded_as<handlers::ReleaseEvent>("release", "release_published.json");
  EXPECT_EQ(release.tag_name, "v3.5.0");
  EXPECT_EQ(release.action, "published");
  EXPECT_FALSE(release.draft);
  EXPECT_EQ(ignored_reason("release", testkit::payload("release_edited.json")), "release action edited is not used");
}

TEST(DecodeIssueComment, CommentOnAPullRequestWithUnicode) {
  const auto comment = decoded_as<handlers::CommentEvent>("issue_comment", "issue_comment_pr.json");
  EXPECT_EQ(comment.issue_number, 1912);
  EXPECT_EQ(comment.comment_id, 455667788);
  EXPECT_EQ(comment.author.login, "maintainer");
  EXPECT_FALSE(comment.author.is_bot);
  EXPECT_EQ(comment.body, "Looks good \xe2\x80\x94 ship it \xf0\x9f\x9a\x80\n/publish calico-3.4");
}

TEST(DecodeIssueComment, IssuesBotsAndEditsAreIgnored) {
  EXPECT_EQ(ignored_reason("issue_comment", testkit::payload("issue_comment_issue.json")),
            "comment on an issue, not a pull request");
  EXPECT_EQ(ignored_reason("issue_comment", testkit::payload("issue_comment_bot.json")),
            "comment by bot calico-release-bot[bot]");
  EXPECT_EQ(ignored_reason("issue_comment", testkit::payload("issue_comment_edited.json")),
            "issue_comment action edited is not used");
}

TEST(DecodePing, CarriesHookIdAndZen) {
  const auto ping = decoded_as<handlers::PingEvent>("ping", "ping.json");
  EXPECT_EQ(ping.hook_id, 30000001);
  EXPECT_EQ(ping.zen, "Keep it logically awesome.");
  // A ping needs nothing else.
  EXPECT_TRUE(std::holds_alternative<Decoded>(decode_event("ping", "{}")));
}

TEST(DecodeEvents, UnknownEventsAreIgnored) {
  EXPECT_EQ(ignored_reason("watch", testkit::payload("watch_started.json")), "event watch is not used");
  EXPECT_EQ(ignored_reason("pull_request", "{}"), "event pull_request is not used");
}

TEST(DecodeEvents, MalformedPayloadsNameWhatIsWrong) {
  EXPECT_EQ(malformed_reason("push", "[]"), "the payload is not a JSON object");
  EXPECT_NE(malformed_reason("push", "{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(malformed_reason("push", "{\"ref\":\"\xff\"}").find("not valid JSON"), std::string::npos);
  EXPECT_EQ(malformed_reason("push", R"({"ref":"refs/heads/master","after":"x"})"),
            "the payload has no \"repository\" object");
  EXPECT_EQ(malformed_reason("push", R"({"after":"x","repository":{"full_name":"a/b"}})"), "push has no string \"ref\"");
  EXPECT_EQ(malformed_reason("push", R"({"ref":1,"after":"x","repository":{"full_name":"a/b"}})"),
            "push has no string \"ref\"");
  EXPECT_EQ(malformed_reason("release", R"({"action":"published","repository":{"full_name":"a/b"}})"),
            "release has no \"release\" object");
  EXPECT_EQ(malformed_reason("issue_comment", R"({"action":"created","issue":{"pull_request":{}},"comment":{"body":"x","user":{}},"repository":{"full_name":"a/b"}})"),
            "issue has no positive \"number\"");
}

TEST(DecodeEvents, MissingOptionalFieldsAndUnknownFieldsAreFine) {
  const std::string minimal = R"({"ref":"refs/heads/master","after":"abc","repository":{"full_name":"a/b"},"new_field":[1,2]})";
  const DecodeOutcome outcome = decode_event("push", minimal);
  ASSERT_TRUE(std::holds_alternative<Decoded>(outcome));
  const auto& push = std::get<handlers::PushEvent>(std::get<Decoded>(outcome).event);
  EXPECT_EQ(push.sender.login, "");
  EXPECT_FALSE(push.created);
}
