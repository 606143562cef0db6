#include <gtest/gtest.h>

#include "builders/plan.hpp"
#include "config/loader.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using namespace calico::builders;

class PlanTest : public ::testing::Test {
 protected:
  PlanTest() : config_(testkit::test_config(dir_.path())) {}

  Plan plan(PublishRequest request) { return make_plan(request, config_); }
  std::string error(PublishRequest request) {
    try {
      make_plan(request, config_);
    } catch (const PlanError& e) {
      return e.what();
    }
    return "<no error>";
  }
  std::vector<std::string> ids(const Plan& p) {
    std::vector<std::string> out;
    for (const Job& job : p.jobs) out.push_back(job.id);
    return out;
  }

  testkit::ScratchDir dir_;
  config::Config config_;
};

TEST_F(PlanTest, MasterBuildsMasterIntoMaster) {
  const Plan p = plan({.version = "master"});
  EXPECT_EQ(p.repo_name, "master");
  EXPECT_FALSE(p.release);
  EXPECT_EQ(p.ppa, "ppa:project-calico/master");
  EXPECT_EQ(p.version_source("felix")->checkout, "master");
  EXPECT_EQ(p.version_source("networking-calico")->checkout, "master");
  EXPECT_EQ(p.version_source("felix")->repo, (dir_.path() / "repos/felix").string());
}

TEST_F(PlanTest, ReleaseBuildsItsTagIntoCalicoXY) {
  const Plan p = plan({.version = "v3.4.1"});
  EXPECT_EQ(p.repo_name, "calico-3.4");
  EXPECT_TRUE(p.release);
  EXPECT_EQ(p.version_source("felix")->checkout, "v3.4.1");
  EXPECT_EQ(p.version_source("networking-calico")->checkout, "v3.4.1");
  EXPECT_EQ(p.ppa, "ppa:project-calico/calico-3.4");
}

TEST_F(PlanTest, Python2ReleaseTakesTheSuffixedTagOnlyWhereTheComponentHasOne) {
  const Plan p = plan({.version = "v3.15.1-python2"});
  EXPECT_EQ(p.repo_name, "calico-3.15-python2");
  EXPECT_EQ(p.version_source("networking-calico")->checkout, "v3.15.1-python2");
  EXPECT_EQ(p.version_source("felix")->checkout, "v3.15.1");
}

TEST_F(PlanTest, ReleaseBranchGoesToTestingFromTheBranch) {
  const Plan p = plan({.version = "release-v3.20"});
  EXPECT_EQ(p.repo_name, "testing");
  EXPECT_FALSE(p.release);
  EXPECT_EQ(p.version_source("felix")->checkout, "release-v3.20");
  EXPECT_EQ(p.version_source("networking-calico")->checkout, "release-v3.20");
}

TEST_F(PlanTest, OverridesReplaceDerivedSettings) {
  const Plan p = plan({.version = "v3.4.1",
                       .repo_name = "calico-test",
                       .repos = {{"felix", "https://github.com/someone/felix.git"},
                                 {"networking-calico", "/srv/git/networking-calico"}},
                       .checkouts = {{"felix", "0123abc"}, {"networking-calico", "release-v3.4"}}});
  EXPECT_EQ(p.repo_name, "calico-test");
  EXPECT_EQ(p.ppa, "ppa:project-calico/calico-test");
  EXPECT_EQ(p.version_source("felix")->repo, "https://github.com/someone/felix.git");
  EXPECT_EQ(p.version_source("felix")->checkout, "0123abc");
  EXPECT_EQ(p.version_source("networking-calico")->repo, "/srv/git/networking-calico");
  EXPECT_EQ(p.version_source("networking-calico")->checkout, "release-v3.4");
  EXPECT_EQ(p.find("felix/xenial")->source->checkout, "0123abc");
}

TEST_F(PlanTest, WithoutRepositoriesTheUpstreamRepositoriesAreUsed) {
  const config::Config bare;
  const Plan p = make_plan({.version = "v3.20.2"}, bare);
  EXPECT_EQ(p.version_source("felix")->repo, "https://github.com/projectcalico/felix.git");
  EXPECT_EQ(p.version_source("networking-calico")->repo, "https://github.com/projectcalico/networking-calico.git");
  EXPECT_EQ(p.find("dnsmasq/trusty")->source->repo, "https://github.com/projectcalico/calico-dnsmasq.git");
  EXPECT_EQ(p.platforms, (std::vector<std::string>{"trusty", "xenial", "bionic", "focal", "centos7"}));
}

TEST_F(PlanTest, BadValuesAreRefusedNamingThem) {
  EXPECT_EQ(error({.version = "3.4.1"}), "VERSION \"3.4.1\" is not master, vX.Y.Z, vX.Y.Z-python2 or release-vX.Y");
  EXPECT_EQ(error({.version = "master", .repo_name = "Calico 3.4"}),
            "REPO_NAME \"Calico 3.4\" is not a PPA name (lower-case letters, digits, '.', '+', '-')");
  EXPECT_EQ(error({.version = "master", .checkouts = {{"felix", "--upload-pack=evil"}}}),
            "FELIX_CHECKOUT \"--upload-pack=evil\" is not a branch, tag or commit id");
  EXPECT_EQ(error({.version = "master", .checkouts = {{"networking-calico", "a..b"}}}),
            "NETWORKING_CALICO_CHECKOUT \"a..b\" is not a branch, tag or commit id");
  EXPECT_EQ(error({.version = "master", .repos = {{"felix", "-oProxyCommand=x"}}}),
            "FELIX_REPO \"-oProxyCommand=x\" is not a git URL or path");
  EXPECT_EQ(error({.version = "master", .repos = {{"felix", "https://x/y z"}}}), "FELIX_REPO \"https://x/y z\" is not a git URL or path");
  EXPECT_EQ(error({.version = "master", .checkouts = {{"dnsmasq", "x"}}}), "\"dnsmasq\" is not a component that follows VERSION");
  EXPECT_EQ(error({.version = "master", .enable = {"calicoctl"}}), "no component named \"calicoctl\" to enable");
}

TEST_F(PlanTest, UnknownStepsAndPlatformsAreRefused) {
  EXPECT_EQ(error({.version = "master", .steps = std::vector<std::string>{"felix", "build_all"}}),
            "STEPS: unknown step \"build_all\"; the steps are bld_images, net_cal, felix, etcd3gw, dnsmasq, nettle, "
            "pub_debs, pub_rpms");
  EXPECT_EQ(error({.version = "master", .steps = std::vector<std::string>{}}), "STEPS is empty");
  EXPECT_EQ(error({.version = "master", .platforms = std::vector<std::string>{"jammy"}}),
            "platform \"jammy\" is not configured; the platforms are trusty, xenial, bionic, focal, centos7");
}

TEST_F(PlanTest, DefaultPlanFollowsTheMatrix) {
  const Plan p = plan({.version = "v3.4.1"});
  EXPECT_EQ(ids(p), (std::vector<std::string>{
                        "bld_images/trusty", "bld_images/xenial", "bld_images/bionic", "bld_images/focal", "bld_images/centos7",
                        "net_cal/trusty", "net_cal/xenial", "net_cal/bionic", "net_cal/focal", "net_cal/centos7",
                        "felix/trusty", "felix/xenial", "felix/bionic", "felix/focal", "felix/centos7",
                        "dnsmasq/trusty", "dnsmasq/xenial", "dnsmasq/centos7",
                        "nettle/xenial",
                        "pub_debs/trusty", "pub_debs/xenial", "pub_debs/bionic", "pub_debs/focal",
                        "pub_rpms/centos7"}));
  // etcd3gw is built only on request (PACKAGE_ETCD3GW=true), and the plan says so.
  ASSERT_EQ(p.notes.size(), 1u);
  EXPECT_NE(p.notes[0].find("PACKAGE_ETCD3GW=true"), std::string::npos);
  const Plan with_etcd3gw = plan({.version = "v3.4.1", .enable = {"etcd3gw"}});
  EXPECT_NE(with_etcd3gw.find("etcd3gw/centos7"), nullptr);
  EXPECT_EQ(p.find("dnsmasq/trusty")->source->checkout, "2.79test1calico1-3-trusty");
  EXPECT_EQ(p.find("dnsmasq/xenial")->source->checkout, "2.79test1calico1-2-xenial");
  EXPECT_EQ(p.find("dnsmasq/centos7")->source->checkout, "rpm_2.79");
  EXPECT_EQ(p.find("dnsmasq/centos7")->kind, config::PackageKind::rpm);
  EXPECT_EQ(p.find("felix/xenial")->depends_on, std::vector<std::string>{"bld_images/xenial"});
  // nettle is optional: xenial's uploads wait for it but do not depend on it.
  EXPECT_EQ(p.find("pub_debs/xenial")->depends_on, (std::vector<std::string>{"net_cal/xenial", "felix/xenial", "dnsmasq/xenial"}));
  EXPECT_EQ(p.find("pub_debs/xenial")->after, std::vector<std::string>{"nettle/xenial"});
  EXPECT_EQ(p.find("pub_rpms/centos7")->depends_on,
            (std::vector<std::string>{"net_cal/centos7", "felix/centos7", "dnsmasq/centos7"}));
  // Dependencies always come first.
  for (std::size_t i = 0; i < p.jobs.size(); ++i) {
    for (const std::string& dependency : p.jobs[i].depends_on) {
      const Job* before = p.find(dependency);
      ASSERT_NE(before, nullptr) << dependency;
      EXPECT_LT(before - p.jobs.data(), static_cast<std::ptrdiff_t>(i));
    }
  }
}

TEST_F(PlanTest, StepsSubsetKeepsProcedureOrderAndDropsMissingDependencies) {
  const Plan p = plan({.version = "master", .steps = split_list("pub_debs, felix"), .platforms = split_list("xenial")});
  EXPECT_EQ(ids(p), (std::vector<std::string>{"felix/xenial", "pub_debs/xenial"}));
  EXPECT_TRUE(p.find("felix/xenial")->depends_on.empty());
  EXPECT_EQ(p.find("pub_debs/xenial")->depends_on, std::vector<std::string>{"felix/xenial"});
  const Plan only_publish = plan({.version = "master", .steps = split_list("pub_rpms")});
  EXPECT_EQ(ids(only_publish), std::vector<std::string>{"pub_rpms/centos7"});
  EXPECT_EQ(error({.version = "master", .steps = split_list("nettle"), .platforms = split_list("bionic")}),
            "the selected steps and platforms make no jobs");
}

TEST_F(PlanTest, AddingASeriesIsAConfigChange) {
  // The test configuration without its platform list, which this one replaces.
  std::string base = testkit::read_text(dir_.path() / "bot.toml");
  base.erase(base.find(testkit::kDefaultPlatformsBuiltOnHost));
  testkit::write_file(dir_.path() / "focal.toml", base + R"(
[publish]
ppa_owner = "calico-test"
[[publish.platforms]]
name = "focal"
kind = "deb"
[[publish.platforms]]
name = "centos7"
kind = "rpm"
rpm_dist = ".el7"
[publish.components.networking-calico]
platforms = ["focal", "centos7"]
[publish.components.felix]
platforms = ["focal", "centos7"]
[publish.components.dnsmasq]
platforms = []
[publish.components.nettle]
platforms = []
)");
  const config::Config focal = config::load_config(dir_.path() / "focal.toml");
  const Plan p = make_plan({.version = "v3.17.0"}, focal);
  EXPECT_EQ(p.ppa, "ppa:calico-test/calico-3.17");
  EXPECT_EQ(ids(p), (std::vector<std::string>{"bld_images/focal", "bld_images/centos7", "net_cal/focal", "net_cal/centos7",
                                              "felix/focal", "felix/centos7", "pub_debs/focal", "pub_rpms/centos7"}));
}

TEST_F(PlanTest, AddingAComponentIsAConfigTable) {
  // Calico's later calicoctl, built like Felix: a table, no code.
  testkit::write_file(dir_.path() / "calicoctl.toml", testkit::read_text(dir_.path() / "bot.toml") + R"(
[[repositories]]
name = "calicoctl"
github = "projectcalico/calicoctl"
url = "/srv/git/calicoctl"
[publish.components.calicoctl]
step = "calicoctl"
title = "calicoctl"
platforms = ["xenial", "centos7"]
pre_build = [{ run = ["make", "bin/calicoctl"] }]
exclude = ["bin/calicoctl-*"]
)");
  const config::Config with = config::load_config(dir_.path() / "calicoctl.toml");
  const config::ComponentConfig* calicoctl = with.publish.find_component("calicoctl");
  ASSERT_NE(calicoctl, nullptr);
  EXPECT_EQ(calicoctl->variable, "CALICOCTL");
  const Plan p = make_plan({.version = "v3.20.2", .checkouts = {{"calicoctl", "v3.20.3"}}}, with);
  ASSERT_NE(p.find("calicoctl/xenial"), nullptr);
  EXPECT_EQ(p.find("calicoctl/xenial")->source->repo, "/srv/git/calicoctl");
  EXPECT_EQ(p.find("calicoctl/xenial")->source->checkout, "v3.20.3");
  EXPECT_EQ(p.find("calicoctl/centos7")->source->checkout, "v3.20.3");
  const std::vector<std::string>& publish = p.find("pub_debs/xenial")->depends_on;
  EXPECT_NE(std::find(publish.begin(), publish.end(), "calicoctl/xenial"), publish.end());
  EXPECT_EQ(p.steps.back(), "pub_rpms");
}

TEST_F(PlanTest, DescribeListsSettingsAndJobs) {
  const std::string text = plan({.version = "v3.4.1", .steps = split_list("felix,pub_debs"), .platforms = split_list("bionic")}).describe();
  EXPECT_NE(text.find("VERSION=v3.4.1 (release)\nREPO_NAME=calico-3.4 (ppa:project-calico/calico-3.4)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  pub_debs/bionic  after felix/bionic\n"), std::string::npos) << text;
}
