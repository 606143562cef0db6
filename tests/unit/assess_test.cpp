#include <gtest/gtest.h>

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
BuildRecord build(const std::string& arch, const std::string& state) {
  return {"https://api.launchpad.net/1.0/~project-calico/+archive/ubuntu/calico-3.4/+build/" + arch, arch, state,
          state == "Failed to build" ? "https://launchpad.net/build-" + arch + ".txt.gz" : ""};
}
BinaryPublication binary(const std::string& arch, const std::string& status) {
  return {kRoot + "/+binarypub/" + arch, "calico-felix", "3.4.1-xenial", "felix", "3.4.1-xenial", status,
          status == "Published" ? "2020-12-01T03:00:00+00:00" : "", "https://api.launchpad.net/1.0/ubuntu/xenial/" + arch,
          "https://api.launchpad.net/1.0/~project-calico/+archive/ubuntu/calico-3.4/+build/" + arch};
}
Assessment at(const std::vector<SourcePublication>& p, const std::vector<BuildRecord>& b, const std::vector<BinaryPublication>& bin,
              minutes after = minutes(5)) {
  return assess(kWatched, p, b, bin, kUploaded + after, hours(2));
}
}  // namespace

TEST(Assess, NotAcceptedYetThenProbablyRejectedAfterTheLimit) {
  EXPECT_EQ(at({}, {}, {}).state, WatchState::waiting);
  EXPECT_FALSE(at({}, {}, {}).finished);
  EXPECT_EQ(at({}, {}, {}).detail, "not accepted yet (uploaded 5 minutes ago)");
  const Assessment rejected = at({}, {}, {}, minutes(120));
  EXPECT_EQ(rejected.state, WatchState::rejected);
  EXPECT_FALSE(rejected.finished) << "a late upload may still appear: the watcher keeps looking, slowly";
  EXPECT_EQ(rejected.detail.rfind("probably rejected or dropped: not in the PPA 120 minutes after the upload", 0), 0u)
      << rejected.detail;
  EXPECT_NE(rejected.detail.find("sends no e-mail for a bad signature"), std::string::npos) << "no promise of an e-mail";
}

TEST(Assess, AnAcceptedUploadThatNeverGetsBuildsFailsClearly) {
  EXPECT_EQ(at({publication("Published")}, {}, {}, minutes(29)).state, WatchState::building);
  const Assessment nothing = at({publication("Published")}, {}, {}, minutes(30));
  EXPECT_EQ(nothing.state, WatchState::failed);
  EXPECT_EQ(nothing.detail,
            "accepted, but no builds 30 minutes after the upload: its Architecture field matches no processor this PPA builds for");
}

TEST(Assess, OtherSourcesAndSeriesAreNotMistakenForTheWatchedOne) {
  SourcePublication other = publication("Published");
  other.source_package_version = "3.4.1-bionic";
  other.distro_series_link = "https://api.launchpad.net/1.0/ubuntu/bionic";
  EXPECT_EQ(at({other}, {}, {}).state, WatchState::waiting);
}

TEST(Assess, PendingToBuildingToBuiltToPublished) {
  EXPECT_EQ(at({publication("Pending")}, {}, {}).state, WatchState::building);
  EXPECT_EQ(at({publication("Pending")}, {}, {}).detail, "accepted (Pending), waiting for builds");
  const Assessment building = at({publication("Published")}, {build("amd64", "Currently building"), build("i386", "Needs building")}, {});
  EXPECT_EQ(building.state, WatchState::building);
  EXPECT_EQ(building.arches.at(0).state, ArchState::building);
  const Assessment built = at({publication("Published")}, {build("amd64", "Successfully built"), build("i386", "Successfully built")},
                              {binary("amd64", "Pending")});
  EXPECT_EQ(built.state, WatchState::building);
  EXPECT_EQ(built.arches.at(0).state, ArchState::built);
  const Assessment half = at({publication("Published")}, {build("amd64", "Successfully built"), build("i386", "Successfully built")},
                             {binary("amd64", "Published"), binary("i386", "Pending")});
  EXPECT_EQ(half.detail, "1 of 2 architectures published");
  const Assessment done = at({publication("Published")}, {build("amd64", "Successfully built"), build("i386", "Successfully built")},
                             {binary("amd64", "Published"), binary("i386", "Published")});
  EXPECT_EQ(done.state, WatchState::published);
  EXPECT_TRUE(done.finished);
  EXPECT_EQ(done.detail, "published for 2 architectures");
}

TEST(Assess, EveryFailureStateIsReportedWithItsLog) {
  for (const std::string state : {"Failed to build", "Chroot problem", "Failed to upload", "Cancelled build", "Cancelling build"}) {
    const Assessment failed = at({publication("Published")}, {build("amd64", state), build("i386", "Currently building")}, {});
    EXPECT_EQ(failed.state, WatchState::failed) << state;
    EXPECT_FALSE(failed.finished) << "i386 is still building and keeps being watched";
    EXPECT_EQ(failed.detail.rfind("amd64: " + state, 0), 0u) << failed.detail;
  }
  const Assessment with_log = at({publication("Published")}, {build("amd64", "Failed to build")}, {});
  EXPECT_EQ(with_log.detail, "amd64: Failed to build (https://launchpad.net/build-amd64.txt.gz)");
  EXPECT_FALSE(with_log.finished) << "Launchpad may retry it: the watcher re-checks failures slowly";
}

TEST(Assess, DeletedOrSupersededBeforePublishing) {
  const Assessment deleted = at({publication("Deleted")}, {build("amd64", "Currently building")}, {});
  EXPECT_EQ(deleted.state, WatchState::failed);
  EXPECT_EQ(deleted.detail, "the source was Deleted before its binaries were published");
  // Superseded before it was built: final, and neutral (not a failure).
  const Assessment superseded = at({publication("Superseded")}, {}, {});
  EXPECT_EQ(superseded.state, WatchState::superseded);
  EXPECT_TRUE(superseded.finished);
  EXPECT_EQ(superseded.detail, "superseded by a newer upload before it was built");
  // Superseded after its binaries were published: it did publish.
  const Assessment later = at({publication("Superseded")}, {build("amd64", "Successfully built")}, {binary("amd64", "Published")});
  EXPECT_EQ(later.state, WatchState::published);
}

TEST(Assess, DependencyWaitIsWaitingNamedNotAFailure) {
  const Assessment waiting = at({publication("Published")}, {build("amd64", "Dependency wait"), build("i386", "Successfully built")},
                                {binary("i386", "Published")});
  EXPECT_EQ(waiting.state, WatchState::building);
  EXPECT_FALSE(waiting.finished) << "Launchpad retries a dependency wait by itself";
  EXPECT_EQ(waiting.detail, "1 of 2 architectures published; amd64 is waiting for a dependency (Dependency wait: Launchpad retries it)");
  EXPECT_EQ(waiting.arches[0].state, ArchState::waiting_dependency);
  // Launchpad retried it and it built: published.
  const Assessment retried = at({publication("Published")}, {build("amd64", "Successfully built"), build("i386", "Successfully built")},
                                {binary("amd64", "Published"), binary("i386", "Published")});
  EXPECT_EQ(retried.state, WatchState::published);
}

TEST(Assess, ABuildForASupersededSourceIsNeutral) {
  const Assessment superseded =
      at({publication("Superseded")}, {build("amd64", "Build for superseded Source"), build("i386", "Successfully built")},
         {binary("i386", "Published")});
  EXPECT_EQ(superseded.state, WatchState::superseded);
  EXPECT_TRUE(superseded.finished);
  EXPECT_EQ(superseded.detail, "superseded by a newer upload (published for 1 architecture first)");
}

TEST(Assess, ABinarySupersededBeforeAPollSawItKeepsItsPublication) {
  // Published, then superseded by the next upload's binary before the watcher looked: it was published.
  auto gone_by = binary("amd64", "Superseded");
  gone_by.date_published = "2020-12-01T03:00:00+00:00";  // Launchpad keeps it
  const Assessment was = at({publication("Superseded")}, {build("amd64", "Successfully built")}, {gone_by});
  EXPECT_EQ(was.state, WatchState::published) << was.detail;
  EXPECT_TRUE(was.finished) << "a finished watch stops widening the poll window";
  auto never = binary("amd64", "Superseded");
  never.date_published.clear();
  const Assessment not_yet = at({publication("Published")}, {build("amd64", "Successfully built")}, {never});
  EXPECT_EQ(not_yet.state, WatchState::building);
}

#include "bot/store/lp_watches.hpp"

TEST(BuildPublication, PublishedOnlyWhenEveryUploadIsAndTheFirstFailureAtOnce) {
  auto watch = [](const std::string& version, const std::string& state, const std::string& detail) {
    calico::store::LpWatch w;
    w.source = "felix";
    w.version = version;
    w.state = state;
    w.detail = detail;
    return w;
  };
  EXPECT_EQ(calico::store::build_publication({}).total, 0);
  const auto waiting = calico::store::build_publication({watch("1-xenial", "published", ""), watch("1-bionic", "building", "")});
  EXPECT_EQ(waiting.state, "waiting");
  EXPECT_EQ(waiting.detail, "1 of 2 uploads published");
  const auto failed = calico::store::build_publication(
      {watch("1-xenial", "building", ""), watch("1-bionic", "failed", "amd64: Failed to build"), watch("1-trusty", "rejected", "x")});
  EXPECT_EQ(failed.state, "failed");
  EXPECT_EQ(failed.detail, "felix 1-bionic: amd64: Failed to build");
  const auto done = calico::store::build_publication({watch("1-xenial", "published", ""), watch("1-bionic", "published", "")});
  EXPECT_EQ(done.state, "published");
  EXPECT_EQ(done.published, 2);
  // A superseded upload turns nothing red.
  const auto replaced = calico::store::build_publication({watch("1-xenial", "published", ""), watch("1-bionic", "superseded", "")});
  EXPECT_EQ(replaced.state, "superseded");
  EXPECT_EQ(replaced.detail, "1 of 2 uploads published, 1 superseded by newer uploads");
  const auto still = calico::store::build_publication({watch("1-xenial", "superseded", ""), watch("1-bionic", "building", "")});
  EXPECT_EQ(still.state, "waiting");
}
