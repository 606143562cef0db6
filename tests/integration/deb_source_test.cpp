// Building real Debian source packages from the fixture repositories with the real
// dpkg-buildpackage, and reading them back with dpkg-source.
#include <gtest/gtest.h>

#include "builders/deb/source_package.hpp"
#include "builders/git/mirror.hpp"
#include "tests/support/calico_fixtures.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/suites.hpp"
#include "tests/support/process.hpp"

using namespace calico;
using namespace calico::builders;

class DebSourceTest : public testkit::SuiteWithFixtures {
 protected:
  // Exports `checkout` of the fixture `repo` and builds its source package for `series`.
  deb::SourceArtifacts build(const std::string& repo, const std::string& checkout, const std::string& series,
                             const std::string& job) {
    const auto job_dir = dir_->path() / "jobs" / job;
    const testkit::FixtureCheckout source = testkit::export_fixture(*fixtures_, repo, checkout, job_dir / "tree");
    const std::string& sha = source.sha;
    const git::CommitFacts& facts = source.facts;
    deb::SourceBuild request{job_dir / "tree", job_dir, series, source.version,
                             (facts.tag_at ? "Release " + facts.tag_at->tag() : std::string("Development snapshot")) +
                                 " from Git commit " + sha.substr(0, 12) + ".",
                             "Project Calico Maintainers <maintainers@projectcalico.org>", facts.committed_at};
    exec::LocalExecutor local;
    exec::CancelToken cancel;
    log_ = job_dir / "job.log";
    return deb::build_source_package(request, local, log_, cancel);
  }

  std::filesystem::path log_;
};

TEST_F(DebSourceTest, ReleaseSourcePackageForOneSeries) {
  const deb::SourceArtifacts built = build("felix", "v3.4.1", "xenial", "felix-xenial");
  EXPECT_EQ(built.source, "felix");
  EXPECT_EQ(built.version, "3.4.1-xenial");
  EXPECT_EQ(built.dsc.filename(), "felix_3.4.1-xenial.dsc");
  EXPECT_EQ(built.changes.filename(), "felix_3.4.1-xenial_source.changes");
  const std::string dsc = testkit::read_text(built.dsc);
  EXPECT_NE(dsc.find("\nVersion: 3.4.1-xenial\n"), std::string::npos) << dsc;
  EXPECT_NE(dsc.find("felix_3.4.1.orig.tar.gz"), std::string::npos);
  const std::string changes = testkit::read_text(built.changes);
  EXPECT_NE(changes.find("\nDistribution: xenial\n"), std::string::npos) << changes;
  EXPECT_NE(changes.find("felix_3.4.1.orig.tar.gz"), std::string::npos) << "-sa must include the orig tarball";
  for (const auto& file : built.files) EXPECT_TRUE(std::filesystem::exists(file)) << file;

  // The real dpkg-source unpacks it, with the regenerated changelog.
  const auto unpacked = dir_->path() / "unpacked-xenial";
  const auto result = testkit::run_process({"/usr/bin/dpkg-source", "--no-check", "-x", built.dsc.string(), unpacked.string()},
                                           dir_->path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string changelog = testkit::read_text(unpacked / "debian" / "changelog");
  EXPECT_EQ(changelog.substr(0, changelog.find('\n')), "felix (3.4.1-xenial) xenial; urgency=medium");
  EXPECT_EQ(testkit::read_text(unpacked / "VERSION"), "3.4.1\n");
  EXPECT_NE(testkit::read_text(unpacked / "debian" / "changelog").find("Release v3.4.1 from Git commit " +
                                                                        fixtures_->commits.at("felix@v3.4.1").substr(0, 12)),
            std::string::npos);
}

TEST_F(DebSourceTest, EverySeriesGetsTheSameOrigTarball) {
  const deb::SourceArtifacts trusty = build("networking-calico", "v3.4.1", "trusty", "nc-trusty");
  const deb::SourceArtifacts bionic = build("networking-calico", "v3.4.1", "bionic", "nc-bionic");
  const auto orig = [](const deb::SourceArtifacts& a) { return a.dsc.parent_path() / "networking-calico_3.4.1.orig.tar.gz"; };
  EXPECT_EQ(testkit::read_text(orig(trusty)), testkit::read_text(orig(bionic)));
  EXPECT_EQ(bionic.version, "3.4.1-bionic");
}

TEST_F(DebSourceTest, MasterBuildsASnapshot) {
  const deb::SourceArtifacts built = build("felix", "master", "bionic", "felix-master");
  const std::string sha = fixtures_->commits.at("felix@master");
  // 12 commits in the fixture's history, the last at the fixture clock's 12th minute.
  EXPECT_EQ(built.version, "3.5.0~0.dev.post12+20201201001200+" + sha.substr(0, 7) + "-bionic");
  EXPECT_TRUE(std::filesystem::exists(built.dsc.parent_path() / ("felix_3.5.0~0.dev.post12+20201201001200+" + sha.substr(0, 7) + ".orig.tar.gz")));
}

TEST_F(DebSourceTest, ABrokenPackageFailsNamingTheLog) {
  const auto job_dir = dir_->path() / "jobs" / "broken";
  testkit::write_file(job_dir / "tree" / "debian" / "control", "Source: broken\n\nPackage: broken\n");
  testkit::write_file(job_dir / "tree" / "debian" / "source" / "format", "3.0 (quilt)\n");
  deb::SourceBuild request{job_dir / "tree", job_dir, "xenial", release_version(*parse_release_tag("v1.0.0"), 0),
                           "Release", "A <a@example.org>", std::chrono::sys_seconds(std::chrono::seconds(1606780800))};
  exec::LocalExecutor local;
  exec::CancelToken cancel;
  try {
    deb::build_source_package(request, local, job_dir / "job.log", cancel);
    FAIL() << "built a package without debian/rules";
  } catch (const deb::BuildError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("dpkg-buildpackage failed (exit code ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find((job_dir / "job.log").string()), std::string::npos);
  }
}
