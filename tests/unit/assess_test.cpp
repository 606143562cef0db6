// The Launchpad assessment as a pure function of what the API answered: the source publication,
// its build summary (getBuildSummariesForSourceIds) and its builds.
#include <gtest/gtest.h>

#include <optional>

#include "bot/launchpad/assess.hpp"

using namespace calico::launchpad;
using namespace std::chrono;

namespace {
const sys_seconds kUploaded{seconds(1606780800)};
const WatchedSource kWatched{"felix", "3.4.1-xenial", "xenial", kUploaded};
const std::string kRoot = "https://api.launchpad.net/1.0/~project-calico/+archive/ubuntu/calico-3.4";

SourcePublication publication(const std::string& status) {
  return {kRoot + "/+sourcepub/1", "felix", "3.4.1-xenial", status, "https://api.launchpad.net/1.0/ubuntu/xenial",
          status == "Published" ? "2020-12-01T02:00:00+00:00" : ""};
}
BuildRecord build(const std::string& arch, const std::string& state, const std::string& dependencies = "") {
  return {kRoot + "/+build/" + arch, arch, state, state == "Failed to build" ? "https://launchpad.net/build-" + arch + ".txt.gz" : "",
          dependencies};
}
// `summary`: the build summary's status ("" when none was asked for).
Assessment at(std::optional<SourcePublication> p, const std::vector<BuildRecord>& b, const std::string& summary,
              minutes after = minutes(5)) {
  const BuildSummary s{summary, ""};
  return assess(kWatched, p ? &*p : nullptr, summary.empty() ? nullptr : &s, b, kUploaded + after, hours(2));
}
}  // namespace

TEST(Assess, NotAcceptedYetThenProbablyRejectedAfterTheLimit) {
  EXPECT_EQ(at({}, {}, "").state, WatchState::waiting);
  EXPECT_FALSE(at({}, {}, "").finished);
  EXPECT_EQ(at({}, {}, "").detail, "not accepted yet (uploaded 5 minutes ago)");
  const Assessment rejected = at({}, {}, "", minutes(120));
  EXPECT_EQ(rejected.state, WatchState::rejected);
  EXPECT_FALSE(rejected.finished) << "a late upload may still appear: the watcher keeps looking, slowly";
  EXPECT_EQ(rejected.detail.rfind("probably rejected or dropped: not in the PPA 120 minutes after the upload", 0), 0u)
      << rejected.detail;
  EXPECT_NE(rejected.detail.find("sends no e-mail for a bad signature"), std::string::npos) << "no promise of an e-mail";
}

TEST(Assess, AnAcceptedUploadThatNeverGetsBuildsFailsClearly) {
  // The summary calls an upload without builds FULLYBUILT; the bot is stricter.
  EXPECT_EQ(at(publication("Published"), {}, "FULLYBUILT", minutes(29)).state, WatchState::building);
  const Assessment nothing = at(publication("Published"), {}, "FULLYBUILT", minutes(30));
  EXPECT_EQ(nothing.state, WatchState::failed);
  EXPECT_EQ(nothing.detail,
            "accepted, but no builds 30 minutes after the upload: its Architecture field matches no processor this PPA builds for");
}

TEST(Assess, OtherSourcesAndSeriesAreNotMistakenForTheWatchedOne) {
  SourcePublication other = publication("Published");
  other.source_package_version = "3.4.1-bionic";
  other.distro_series_link = "https://api.launchpad.net/1.0/ubuntu/bionic";
  EXPECT_EQ(find_publication(kWatched, {other}), nullptr);
  const std::vector<SourcePublication> both{other, publication("Published")};
  EXPECT_EQ(find_publication(kWatched, both), &both[1]);
}

TEST(Assess, PendingToBuildingToBuiltToPublished) {
  EXPECT_EQ(at(publication("Pending"), {}, "NEEDSBUILD").state, WatchState::building);
  EXPECT_EQ(at(publication("Pending"), {}, "NEEDSBUILD").detail, "accepted (Pending), waiting for builds");
  const Assessment building =
      at(publication("Published"), {build("amd64", "Currently building"), build("i386", "Needs building")}, "BUILDING");
  EXPECT_EQ(building.state, WatchState::building);
  EXPECT_EQ(building.arches.at(0).state, ArchState::building);
  const Assessment half = at(publication("Published"), {build("amd64", "Successfully built"), build("i386", "Currently building")},
                             "BUILDING");
  EXPECT_EQ(half.arches.at(0).state, ArchState::built);
  EXPECT_EQ(half.detail, "0 of 2 architectures published");
  // Built, not yet published: Launchpad's publisher has not run (FULLYBUILT_PENDING).
  const Assessment built =
      at(publication("Published"), {build("amd64", "Successfully built"), build("i386", "Successfully built")}, "FULLYBUILT_PENDING");
  EXPECT_EQ(built.state, WatchState::building);
  EXPECT_FALSE(built.finished);
  EXPECT_EQ(built.arches.at(0).state, ArchState::built);
  EXPECT_EQ(built.detail, "built for 2 architectures, waiting for Launchpad to publish the binaries");
  const Assessment done =
      at(publication("Published"), {build("amd64", "Successfully built"), build("i386", "Successfully built")}, "FULLYBUILT");
  EXPECT_EQ(done.state, WatchState::published);
  EXPECT_TRUE(done.finished);
  EXPECT_EQ(done.detail, "published for 2 architectures");
}

TEST(Assess, EveryFailureStateIsReportedWithItsLog) {
  for (const std::string state : {"Failed to build", "Chroot problem", "Failed to upload", "Cancelled build", "Cancelling build"}) {
    const Assessment failed = at(publication("Published"), {build("amd64", state), build("i386", "Currently building")}, "FAILEDTOBUILD");
    EXPECT_EQ(failed.state, WatchState::failed) << state;
    EXPECT_FALSE(failed.finished) << "i386 is still building and keeps being watched";
    EXPECT_EQ(failed.detail.rfind("amd64: " + state, 0), 0u) << failed.detail;
  }
  const Assessment with_log = at(publication("Published"), {build("amd64", "Failed to build")}, "FAILEDTOBUILD");
  EXPECT_EQ(with_log.detail, "amd64: Failed to build (https://launchpad.net/build-amd64.txt.gz)");
  EXPECT_FALSE(with_log.finished) << "Launchpad may retry it: the watcher re-checks failures slowly";
  // The summary hides a cancelled build and may say FULLYBUILT: the builds decide.
  EXPECT_EQ(at(publication("Published"), {build("amd64", "Cancelled build")}, "FULLYBUILT").state, WatchState::failed);
}

TEST(Assess, DeletedOrSupersededBeforePublishing) {
  const Assessment deleted = at(publication("Deleted"), {build("amd64", "Currently building")}, "BUILDING");
  EXPECT_EQ(deleted.state, WatchState::failed);
  EXPECT_EQ(deleted.detail, "the source was Deleted before its binaries were published");
  // Superseded before it was built: final, and neutral (not a failure).
  const Assessment superseded = at(publication("Superseded"), {}, "FULLYBUILT");
  EXPECT_EQ(superseded.state, WatchState::superseded);
  EXPECT_TRUE(superseded.finished);
  EXPECT_EQ(superseded.detail, "superseded by a newer upload before it was built");
  // Superseded after its binaries were published: it did publish.
  const Assessment later = at(publication("Superseded"), {build("amd64", "Successfully built")}, "FULLYBUILT");
  EXPECT_EQ(later.state, WatchState::published);
}

TEST(Assess, DependencyWaitIsWaitingNamedNotAFailure) {
  // The summary folds a Dependency wait into FAILEDTOBUILD; the builds tell them apart.
  const Assessment waiting = at(publication("Published"),
                                {build("amd64", "Dependency wait", "libnetfilter-conntrack3 (>= 1.0.6)"), build("i386", "Successfully built")},
                                "FAILEDTOBUILD");
  EXPECT_EQ(waiting.state, WatchState::building);
  EXPECT_FALSE(waiting.finished) << "Launchpad retries a dependency wait by itself";
  EXPECT_EQ(waiting.detail,
            "0 of 2 architectures published; amd64 is waiting for a dependency (libnetfilter-conntrack3 (>= 1.0.6)) — "
            "Dependency wait: Launchpad retries it by itself");
  EXPECT_EQ(waiting.arches[0].state, ArchState::waiting_dependency);
  // Launchpad retried it and it built: published.
  const Assessment retried =
      at(publication("Published"), {build("amd64", "Successfully built"), build("i386", "Successfully built")}, "FULLYBUILT");
  EXPECT_EQ(retried.state, WatchState::published);
}

TEST(Assess, ABuildForASupersededSourceIsNeutral) {
  const Assessment superseded =
      at(publication("Superseded"), {build("amd64", "Build for superseded Source"), build("i386", "Successfully built")}, "FULLYBUILT");
  EXPECT_EQ(superseded.state, WatchState::superseded);
  EXPECT_TRUE(superseded.finished);
  EXPECT_EQ(superseded.detail, "superseded by a newer upload (published for 1 architecture first)");
}

TEST(Assess, ABinarySupersededBeforeAPollSawItKeepsItsPublication) {
  // Published, then superseded by the next upload before the watcher looked: Launchpad's summary
  // of a source no longer active is FULLYBUILT (its binaries kept their dates): it was published.
  const Assessment was = at(publication("Superseded"), {build("amd64", "Successfully built")}, "FULLYBUILT");
  EXPECT_EQ(was.state, WatchState::published) << was.detail;
  EXPECT_TRUE(was.finished) << "a finished watch stops widening the poll window";
  const Assessment not_yet = at(publication("Published"), {build("amd64", "Successfully built")}, "FULLYBUILT_PENDING");
  EXPECT_EQ(not_yet.state, WatchState::building);
}

TEST(Assess, StoredArchitecturesReadBackAsTheyWereWritten) {
  const std::vector<ArchStatus> arches = {{"amd64", ArchState::failed, "Failed to build", "https://launchpad.test/a.txt.gz", ""},
                                          {"arm64", ArchState::waiting_dependency, "Dependency wait", "", "libc6 (>= 2.34)"}};
  EXPECT_EQ(arches_from_json(arches_to_json(arches)), arches);
  EXPECT_TRUE(arches_from_json("not json").empty());
  EXPECT_EQ(arches_from_json(R"([1, {"arch":"i386","state":"built"}])").size(), 1u) << "what is not an entry is skipped";
}
