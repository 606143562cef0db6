// Building real RPMs from the fixture repositories with rpmbuild, and reading them back with rpm.
#include <gtest/gtest.h>

#include "builders/git/mirror.hpp"
#include "builders/deb/changelog.hpp"
#include "builders/rpm/package.hpp"
#include "builders/rpm/spec.hpp"
#include "tests/support/calico_fixtures.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/suites.hpp"
#include "tests/support/process.hpp"

using namespace calico;
using namespace calico::builders;

class RpmBuildTest : public testkit::SuiteWithFixtures {
 protected:
  // Exports `checkout` of the fixture `repo` and builds its RPMs for VERSION `version` with its
  // rpm/<repo>.spec.in filled in, as the procedure does.
  rpm::RpmArtifacts build(const std::string& repo, const std::string& checkout, const std::string& version, const std::string& job) {
    const auto job_dir = dir_->path() / "jobs" / job;
    const testkit::FixtureCheckout source = testkit::export_fixture(*fixtures_, repo, checkout, job_dir / repo, version);
    const std::string change = deb::change_line(source.version.release, repo, source.version.python, source.sha);
    const std::string spec = rpm::fill_spec(testkit::read_text(job_dir / repo / "rpm" / (repo + ".spec.in")),
                                            {source.version, "Project Calico Maintainers <maintainers@projectcalico.org>",
                                             change, source.facts.committed_at});
    if (repo == "felix") {  // the pre-build command the procedure runs: Felix ships its binary
      const auto made = testkit::run_process({"/usr/bin/make", "-C", (job_dir / repo).string(), "bin/calico-felix"}, job_dir);
      EXPECT_EQ(made.exit_code, 0) << made.output;
    }
    std::filesystem::copy(job_dir / repo / "rpm", job_dir / "spec", std::filesystem::copy_options::recursive);
    std::filesystem::remove(job_dir / "spec" / (repo + ".spec.in"));
    exec::LocalExecutor local;
    exec::CancelToken cancel;
    return rpm::build_rpm({job_dir / repo, job_dir, "centos7", ".el7", {"el7 1", "_unitdir /usr/lib/systemd/system"}, spec,
                           job_dir / "spec", repo, {"bin/calico-felix-*"}, false, source.facts.committed_at},
                          *local.open({"test", "test"}), job_dir / "job.log", cancel);
  }

  std::string query(const std::filesystem::path& rpm_file, const std::string& format) {
    const auto result = testkit::run_process({"/usr/bin/rpm", "-qp", "--nosignature", "--queryformat", format, rpm_file.string()},
                                             dir_->path());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.output;
  }
};

TEST_F(RpmBuildTest, ReleaseRpmsLandInTheirArchitectureDirectories) {
  const rpm::RpmArtifacts felix = build("felix", "v3.4.1", "v3.4.1", "felix-centos7");
  EXPECT_EQ(felix.name, "felix");
  EXPECT_EQ(felix.version, "3.4.1");
  const auto binary = felix.output / "x86_64" / "felix-3.4.1-1.el7.x86_64.rpm";
  const auto source = felix.output / "src" / "felix-3.4.1-1.el7.src.rpm";
  ASSERT_TRUE(std::filesystem::exists(binary));
  ASSERT_TRUE(std::filesystem::exists(source));
  EXPECT_EQ(query(binary, "%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH}"), "felix (none) 3.4.1 1.el7 x86_64");
  // Every file beside the spec went to SOURCES, and the tarball is <name>-<Version>.tar.gz.
  const std::string sources = query(source, "[%{FILENAMES}\n]");
  EXPECT_NE(sources.find("calico-felix.service"), std::string::npos) << sources;
  EXPECT_NE(sources.find("felix-3.4.1.tar.gz"), std::string::npos) << sources;

  // networking-calico's spec declares Epoch: 1 itself: kept, not doubled.
  const rpm::RpmArtifacts nc = build("networking-calico", "v3.4.1", "v3.4.1", "nc-centos7");
  const auto noarch = nc.output / "noarch" / "networking-calico-3.4.1-1.el7.noarch.rpm";
  ASSERT_TRUE(std::filesystem::exists(noarch));
  EXPECT_EQ(query(noarch, "%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH}"), "networking-calico 1 3.4.1 1.el7 noarch");
}

TEST_F(RpmBuildTest, MasterBuildsASnapshotRelease) {
  const rpm::RpmArtifacts felix = build("felix", "master", "master", "felix-master-centos7");
  const std::string sha7 = fixtures_->commits.at("felix@master").substr(0, 7);
  std::filesystem::path binary;
  for (const auto& file : felix.rpms) {
    if (file.parent_path().filename() == "x86_64") binary = file;
  }
  ASSERT_FALSE(binary.empty());
  const std::string release = query(binary, "%{VERSION} %{RELEASE}");
  EXPECT_EQ(release.rfind("3.5.0 0.1.0.dev.post2+", 0), 0u) << release;
  EXPECT_TRUE(release.ends_with("+0000+" + sha7 + ".el7")) << release;
  const auto changelog = testkit::run_process({"/usr/bin/rpm", "-qp", "--nosignature", "--changelog", binary.string()}, dir_->path());
  EXPECT_NE(changelog.output.find("- Development snapshot (from Git commit " + sha7 + ")."), std::string::npos) << changelog.output;
}
