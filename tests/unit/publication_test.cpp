// A build's two halves: uploaded (its jobs) and published (Launchpad). The Launchpad state of a
// build from its watches, and what GitHub is told at each point: pending until Launchpad has
// published every upload, success only then, failure with the build log when one fails.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "bot/github/build_report.hpp"
#include "bot/github/messages.hpp"
#include "bot/launchpad/publication.hpp"

using namespace calico;
namespace json = boost::json;

namespace {

store::LpWatch watch(const std::string& job, const std::string& version, const std::string& state, const std::string& detail = "",
                     const std::string& arches = "[]") {
  store::LpWatch w;
  w.source = "felix";
  w.version = version;
  w.state = launchpad::watch_state_from(state);
  w.detail = detail;
  w.job = job;
  w.arches = arches;
  return w;
}

const std::string kFailedArches =
    R"([{"arch":"amd64","state":"failed","buildstate":"Failed to build","build_log_url":"https://launchpad.test/amd64.txt.gz"}])";

github::BuildFacts succeeded_with(std::vector<store::LpWatch> watches) {
  github::BuildFacts f;
  f.build.id = 9;
  f.build.target_repo = "calico-3.4";
  f.build.version = "v3.4.1";
  f.build.state = handlers::BuildState::succeeded;
  f.status_page = "http://bot.example";
  f.steps = {{"felix/xenial", builders::pipeline::JobState::succeeded, "", "", {}, {}},
             {"felix/bionic", builders::pipeline::JobState::succeeded, "", "", {}, {}},
             {"felix/centos7", builders::pipeline::JobState::succeeded, "", "", {}, {}},
             {"pub_debs/xenial", builders::pipeline::JobState::succeeded, "", "", {}, {}},
             {"pub_debs/bionic", builders::pipeline::JobState::succeeded, "", "", {}, {}},
             {"pub_rpms/centos7", builders::pipeline::JobState::succeeded, "", "", {}, {}}};
  f.origin.command_id = 3;
  f.origin.repository = "projectcalico/felix";
  f.origin.issue_number = 12;
  f.origin.head_sha = std::string(40, 'c');
  f.sources = {{"projectcalico/felix", std::string(40, 'f')}};
  f.watches = std::move(watches);
  f.publication = launchpad::build_publication(f.watches);
  return f;
}

std::vector<json::value> statuses(const std::vector<store::OutboxMessage>& messages) {
  std::vector<json::value> found;
  for (const auto& message : messages) {
    if (message.kind == store::MessageKind::status) found.push_back(json::parse(github::decode_payload(message.payload).body));
  }
  return found;
}

std::vector<std::string> comment_bodies(const std::vector<store::OutboxMessage>& messages) {
  std::vector<std::string> found;
  for (const auto& message : messages) {
    if (message.kind == store::MessageKind::summary) {
      found.emplace_back(json::parse(github::decode_payload(message.payload).body).at("body").as_string());
    }
  }
  return found;
}

}  // namespace

TEST(BuildPublication, PublishedOnlyWhenEveryUploadIsAndTheFirstFailureAtOnce) {
  using launchpad::PublicationState;
  EXPECT_EQ(launchpad::build_publication({}).state, PublicationState::nothing_to_watch);
  EXPECT_TRUE(launchpad::build_publication({}).ok());
  const auto waiting = launchpad::build_publication({watch("", "1-xenial", "published"), watch("", "1-bionic", "building")});
  EXPECT_EQ(waiting.state, PublicationState::waiting);
  EXPECT_FALSE(waiting.settled());
  EXPECT_EQ(waiting.detail, "1 of 2 uploads published");
  EXPECT_EQ(waiting.progress(), "1/2 published");
  const auto failed = launchpad::build_publication({watch("", "1-xenial", "building"),
                                                    watch("", "1-bionic", "failed", "amd64: Failed to build", kFailedArches),
                                                    watch("", "1-trusty", "rejected", "x")});
  EXPECT_EQ(failed.state, PublicationState::failed);
  EXPECT_EQ(failed.detail, "felix 1-bionic: amd64: Failed to build");
  EXPECT_EQ(failed.log_url, "https://launchpad.test/amd64.txt.gz");
  const auto done = launchpad::build_publication({watch("", "1-xenial", "published"), watch("", "1-bionic", "published")});
  EXPECT_EQ(done.state, PublicationState::published);
  EXPECT_EQ(done.published, 2);
  // A superseded upload turns nothing red.
  const auto replaced = launchpad::build_publication({watch("", "1-xenial", "published"), watch("", "1-bionic", "superseded")});
  EXPECT_EQ(replaced.state, PublicationState::superseded);
  EXPECT_TRUE(replaced.ok());
  EXPECT_EQ(replaced.detail, "1 of 2 uploads published, 1 superseded by newer uploads");
  const auto still = launchpad::build_publication({watch("", "1-xenial", "superseded"), watch("", "1-bionic", "building")});
  EXPECT_EQ(still.state, PublicationState::waiting);
}

TEST(TwoHalves, UploadedIsPendingUntilLaunchpadHasPublishedEveryUpload) {
  const auto facts = succeeded_with({watch("felix/xenial", "3.4.1-xenial", "published"),
                                     watch("felix/bionic", "3.4.1-bionic", "building", "1 of 2 architectures published")});
  const github::Verdict said = github::verdict(facts);
  EXPECT_EQ(said.state, "pending") << "dput returning is not publication";
  EXPECT_EQ(said.description, "Build #9 of v3.4.1 → calico-3.4: uploaded; Launchpad 1/2 published");
  const auto messages = github::build_report(facts);
  for (const json::value& status : statuses(messages)) EXPECT_EQ(status.at("state").as_string(), "pending");
  const auto bodies = comment_bodies(messages);
  ASSERT_EQ(bodies.size(), 1u) << "the one summary; nothing final yet";
  EXPECT_NE(bodies[0].find("✅ uploaded; waiting for Launchpad to publish (1/2 published)"), std::string::npos) << bodies[0];
  EXPECT_NE(bodies[0].find("| felix | ✅ published | ⏳ uploaded, building | ✅ published | 1/2 published |"), std::string::npos)
      << bodies[0];
  for (const auto& message : messages) EXPECT_NE(message.kind, store::MessageKind::reaction) << "no last word before Launchpad has settled";
}

TEST(TwoHalves, SuccessOnlyOnceEveryUploadIsPublished) {
  const auto facts = succeeded_with({watch("felix/xenial", "3.4.1-xenial", "published"), watch("felix/bionic", "3.4.1-bionic", "published")});
  EXPECT_EQ(github::verdict(facts).state, "success");
  EXPECT_EQ(github::verdict(facts).description, "Build #9 of v3.4.1 → calico-3.4: published; Launchpad 2/2 published");
  const auto bodies = comment_bodies(github::build_report(facts));
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_NE(bodies[0].find("🚀 is published on Launchpad (2/2 published)"), std::string::npos) << bodies[0];
  EXPECT_NE(bodies[0].find("| felix | ✅ published | ✅ published | ✅ published | 2/2 published |"), std::string::npos) << bodies[0];
}

TEST(TwoHalves, ALaunchpadFailureIsAFailureLinkingItsBuildLog) {
  const auto facts = succeeded_with({watch("felix/xenial", "3.4.1-xenial", "published"),
                                     watch("felix/bionic", "3.4.1-bionic", "failed", "amd64: Failed to build", kFailedArches)});
  const github::Verdict said = github::verdict(facts);
  EXPECT_EQ(said.state, "failure");
  EXPECT_EQ(said.target_url, "https://launchpad.test/amd64.txt.gz");
  EXPECT_NE(said.description.find("Launchpad: felix 3.4.1-bionic: amd64: Failed to build"), std::string::npos) << said.description;
  const auto bodies = comment_bodies(github::build_report(facts));
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_NE(bodies[0].find("❌ did not publish on Launchpad"), std::string::npos) << bodies[0];
  EXPECT_NE(bodies[0].find("❌ Launchpad build failed ([log](https://launchpad.test/amd64.txt.gz))"), std::string::npos) << bodies[0];
}

TEST(TwoHalves, ARejectedUploadIsAnErrorAndSupersededIsNeutral) {
  EXPECT_EQ(github::verdict(succeeded_with({watch("felix/xenial", "3.4.1-xenial", "rejected", "probably rejected")})).state, "error");
  EXPECT_EQ(github::verdict(succeeded_with({watch("felix/xenial", "3.4.1-xenial", "superseded")})).state, "success");
}

TEST(TwoHalves, RpmsAndBuildsWithoutUploadsAreSuccessWhenTheirJobsAre) {
  const auto facts = succeeded_with({});
  EXPECT_EQ(github::verdict(facts).state, "success");
  EXPECT_EQ(github::publication_key(facts.publication), "");
}

TEST(TwoHalves, EveryChangeOfPublicationIsANewStatusNeverTheSameOneTwice) {
  const auto one = github::build_report(
      succeeded_with({watch("felix/xenial", "1", "published"), watch("felix/bionic", "2", "building")}));
  const auto two = github::build_report(
      succeeded_with({watch("felix/xenial", "1", "published"), watch("felix/bionic", "2", "published")}));
  const auto again = github::build_report(
      succeeded_with({watch("felix/xenial", "1", "published"), watch("felix/bionic", "2", "published")}));
  ASSERT_FALSE(one.empty());
  EXPECT_NE(one.front().dedupe_key, two.front().dedupe_key);
  EXPECT_EQ(two.front().dedupe_key, again.front().dedupe_key);
}
