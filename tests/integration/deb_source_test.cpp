// Building real Debian source packages from the fixture repositories with the real
// dpkg-buildpackage, and reading them back with dpkg-source.
#include <gtest/gtest.h>

#include "builders/deb/changelog.hpp"
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
  // Exports `checkout` of the fixture `repo`, writes its changelog for VERSION `version` and
  // `series` as the procedure does, and builds its source package with this host's dpkg.
  deb::SourceArtifacts build(const std::string& repo, const std::string& checkout, const std::string& version,
                             const std::string& series, const std::string& job) {
    const auto job_dir = dir_->path() / "jobs" / job;
    const testkit::FixtureCheckout source = testkit::export_fixture(*fixtures_, repo, checkout, job_dir / repo, version);
    const std::string change = deb::change_line(source.version.release, repo, source.version.python, source.sha);
    testkit::write_file(job_dir / repo / "debian" / "changelog",
                        deb::render_changelog({repo, source.version.debian(series), series,
                                               "Project Calico Maintainers <maintainers@projectcalico.org>", change,
                                               source.facts.committed_at}));
    deb::write_native_revision_shim(job_dir / "tools");
    exec::LocalExecutor local;
    exec::CancelToken cancel;
    log_ = job_dir / "job.log";
    return deb::build_source_package({job_dir / repo, series, {}, job_dir / "tools", source.facts.committed_at}, *local.open({"test", "test"}), log_,
                                     cancel);
  }

  std::filesystem::path log_;
};

TEST_F(DebSourceTest, ReleaseIsANativeSourcePackageWithTheSeriesAsRevision) {
  const deb::SourceArtifacts built = build("networking-calico", "v3.4.1", "v3.4.1", "xenial", "nc-xenial");
  EXPECT_EQ(built.source, "networking-calico");
  EXPECT_EQ(built.version, "3.4.1-xenial");
  EXPECT_EQ(built.dsc.filename(), "networking-calico_3.4.1-xenial.dsc");
  EXPECT_EQ(built.changes.filename(), "networking-calico_3.4.1-xenial_source.changes");
  const std::string dsc = testkit::read_text(built.dsc);
  EXPECT_NE(dsc.find("Format: 3.0 (native)\n"), std::string::npos) << dsc;
  EXPECT_NE(dsc.find("\nVersion: 3.4.1-xenial\n"), std::string::npos) << dsc;
  EXPECT_NE(dsc.find("networking-calico_3.4.1-xenial.tar.xz"), std::string::npos) << dsc;
  EXPECT_EQ(dsc.find(".orig.tar"), std::string::npos) << "a native package has no orig tarball: " << dsc;
  const std::string changes = testkit::read_text(built.changes);
  EXPECT_NE(changes.find("\nDistribution: xenial\n"), std::string::npos) << changes;
  for (const auto& file : built.files) EXPECT_TRUE(std::filesystem::exists(file)) << file;
  // Debian 12's dpkg-source refuses this; through the shim it warns as Ubuntu's does.
  EXPECT_NE(testkit::read_text(log_).find("native package version may not have a revision"), std::string::npos);

  // The real dpkg-source unpacks it, with the generated changelog in the scripts' words.
  const auto unpacked = dir_->path() / "unpacked-xenial";
  const auto result = testkit::run_process({"/usr/bin/dpkg-source", "--no-check", "-x", built.dsc.string(), unpacked.string()},
                                           dir_->path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string changelog = testkit::read_text(unpacked / "debian" / "changelog");
  EXPECT_EQ(changelog.substr(0, changelog.find('\n')), "networking-calico (3.4.1-xenial) xenial; urgency=low");
  EXPECT_EQ(testkit::read_text(unpacked / "VERSION"), "3.4.1\n");
  EXPECT_NE(changelog.find("  * networking-calico v3.4.1 (from Git commit " +
                           fixtures_->commits.at("networking-calico@v3.4.1").substr(0, 7) + ")."),
            std::string::npos)
      << changelog;
}

TEST_F(DebSourceTest, MasterBuildsASnapshotCountedFromTheDevTag) {
  const deb::SourceArtifacts built = build("felix", "master", "master", "bionic", "felix-master");
  const std::string sha = fixtures_->commits.at("felix@master");
  // Two commits since v3.5.0-0.dev, the last one at the fixture clock's time.
  EXPECT_EQ(built.version.rfind("3.5.0~0.dev.post2+", 0), 0u) << built.version;
  EXPECT_TRUE(built.version.ends_with("+0000+" + sha.substr(0, 7) + "-bionic")) << built.version;
  EXPECT_TRUE(std::filesystem::exists(built.dsc));
}

TEST_F(DebSourceTest, ABrokenPackageFailsNamingTheLog) {
  const auto job_dir = dir_->path() / "jobs" / "broken";
  testkit::write_file(job_dir / "broken" / "debian" / "control", "Source: broken\n\nPackage: broken\n");
  testkit::write_file(job_dir / "broken" / "debian" / "source" / "format", "3.0 (quilt)\n");
  testkit::write_file(job_dir / "broken" / "debian" / "changelog",
                      "broken (1.0.0-1) xenial; urgency=low\n\n  * x\n\n -- A <a@example.org>  Tue, 01 Dec 2020 00:00:00 +0000\n");
  exec::LocalExecutor local;
  exec::CancelToken cancel;
  try {
    deb::build_source_package({job_dir / "broken", "xenial", {}, {}, std::chrono::sys_seconds(std::chrono::seconds(1606780800))},
                              *local.open({"test", "test"}), job_dir / "job.log", cancel);
    FAIL() << "built a package without debian/rules or an orig tarball";
  } catch (const deb::BuildError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("dpkg-buildpackage failed (exit code ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find((job_dir / "job.log").string()), std::string::npos);
  }
}
