// Building real RPMs from the fixture repositories with rpmbuild, and reading them back with rpm.
#include <gtest/gtest.h>

#include "builders/git/mirror.hpp"
#include "builders/rpm/package.hpp"
#include "tests/support/calico_fixtures.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/suites.hpp"
#include "tests/support/process.hpp"

using namespace calico;
using namespace calico::builders;

class RpmBuildTest : public testkit::SuiteWithFixtures {
 protected:
  rpm::RpmArtifacts build(const std::string& repo, const std::string& checkout, unsigned epoch, const std::string& job) {
    const auto job_dir = dir_->path() / "jobs" / job;
    const testkit::FixtureCheckout source = testkit::export_fixture(*fixtures_, repo, checkout, job_dir / "tree", epoch);
    rpm::RpmBuild request{job_dir / "tree", job_dir, "centos7", ".el7", source.version,
                          "Built from Git commit " + source.sha.substr(0, 12),
                          "Project Calico Maintainers <maintainers@projectcalico.org>", source.facts.committed_at};
    exec::LocalExecutor local;
    exec::CancelToken cancel;
    return rpm::build_rpm(request, local, job_dir / "job.log", cancel);
  }

  std::string query(const std::filesystem::path& rpm_file) {
    const auto result = testkit::run_process(
        {"/usr/bin/rpm", "-qp", "--nosignature", "--queryformat", "%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH}", rpm_file.string()},
        dir_->path());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.output;
  }

};

TEST_F(RpmBuildTest, ReleaseRpmsLandInTheirArchitectureDirectories) {
  const rpm::RpmArtifacts felix = build("felix", "v3.4.1", 0, "felix-centos7");
  EXPECT_EQ(felix.name, "felix");
  const auto binary = felix.output / "x86_64" / "felix-3.4.1-1.el7.x86_64.rpm";
  const auto source = felix.output / "src" / "felix-3.4.1-1.el7.src.rpm";
  ASSERT_TRUE(std::filesystem::exists(binary));
  ASSERT_TRUE(std::filesystem::exists(source));
  EXPECT_EQ(query(binary), "felix (none) 3.4.1 1.el7 x86_64");

  const rpm::RpmArtifacts nc = build("networking-calico", "v3.4.1", 2, "nc-centos7");
  const auto noarch = nc.output / "noarch" / "networking-calico-3.4.1-1.el7.noarch.rpm";
  ASSERT_TRUE(std::filesystem::exists(noarch));
  EXPECT_EQ(query(noarch), "networking-calico 2 3.4.1 1.el7 noarch");
}

TEST_F(RpmBuildTest, MasterBuildsASnapshotRelease) {
  const rpm::RpmArtifacts felix = build("felix", "master", 0, "felix-master-centos7");
  const std::string sha7 = fixtures_->commits.at("felix@master").substr(0, 7);
  const auto binary = felix.output / "x86_64" / ("felix-3.5.0-0.1.0.dev.post12+20201201001200+" + sha7 + ".el7.x86_64.rpm");
  ASSERT_TRUE(std::filesystem::exists(binary)) << binary;
  EXPECT_EQ(query(binary), "felix (none) 3.5.0 0.1.0.dev.post12+20201201001200+" + sha7 + ".el7 x86_64");
  const auto changelog = testkit::run_process({"/usr/bin/rpm", "-qp", "--nosignature", "--changelog", binary.string()}, dir_->path());
  EXPECT_NE(changelog.output.find("Built from Git commit " + fixtures_->commits.at("felix@master").substr(0, 12)), std::string::npos)
      << changelog.output;
}
