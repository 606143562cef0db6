// `calico-release-bot publish` end to end on the fixture repositories: the real binary runs the
// whole default matrix through dpkg-buildpackage, rpmbuild, gpg, dput and createrepo_c, and the
// results are checked with the tools a user of the archive would use.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "tests/support/calico_fixtures.hpp"
#include "tests/support/fake_kubernetes.hpp"
#include "tests/support/fake_launchpad.hpp"
#include "bot/store/sqlite/connection.hpp"
#include "bot/store/database.hpp"
#include "bot/pipeline_environment.hpp"
#include "builders/pipeline/procedure.hpp"
#include "config/loader.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/gpg_fixture.hpp"
#include "tests/support/process.hpp"

using namespace calico;

namespace {

std::size_t count_occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++count;
  return count;
}

}  // namespace

class PublishEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testkit::ScratchDir();
    fixtures_ = new testkit::CalicoFixtures(testkit::make_calico_fixtures(dir_->path() / "upstream"));
    key_ = new testkit::GpgFixture(testkit::make_gpg_key(dir_->path() / "key"));
    testkit::write_file(dir_->path() / "bot.toml", R"(
[log]
level = "warn"
[publish]
parallel_jobs = 2
work_dir = "work"
mirror_dir = "mirrors"
dput_method = "local"
dput_incoming = "ppa/{owner}/{repo}"
upload_attempts = 1
rpm_root = "rpm-host"
)" + testkit::fixture_repositories_toml(*fixtures_) + testkit::kDefaultPlatformsBuiltOnHost);
  }
  static void TearDownTestSuite() {
    testkit::remove_gpg_home(key_->verify_home);
    delete key_;
    delete fixtures_;
    delete dir_;
  }

  // "<job id>  <elapsed>  <summary>" for each job a publish's output reports done.
  static std::vector<std::string> finished_jobs(const std::string& output) {
    std::vector<std::string> lines;
    const std::string done = "] done     ";
    for (std::size_t at = output.find(done); at != std::string::npos; at = output.find(done, at + 1)) {
      const std::size_t from = at + done.size();
      lines.push_back(output.substr(from, output.find('\n', from) - from));
    }
    return lines;
  }

  // The run directory a publish's first line names ("… in <dir>").
  static std::string run_dir_of(const std::string& output) {
    const std::string first = output.substr(0, output.find('\n'));
    return first.substr(first.rfind(" in ") + 4);
  }

  testkit::RunResult publish(std::vector<std::string> args, std::vector<std::string> env = {}) {
    std::vector<std::string> argv{CALICO_BOT_BINARY, "publish", "--config", (dir_->path() / "bot.toml").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testkit::run_process(argv, dir_->path(), env);
  }

  testkit::RunResult verify_changes(const std::filesystem::path& changes) {
    return testkit::run_process({"/usr/bin/dscverify", "--no-default-keyrings", "--keyring", key_->public_keyring.string(),
                                 changes.string()},
                                dir_->path(), {"HOME=" + key_->trusted_home.string()});
  }

  static testkit::ScratchDir* dir_;
  static testkit::CalicoFixtures* fixtures_;
  static testkit::GpgFixture* key_;
};

testkit::ScratchDir* PublishEndToEnd::dir_ = nullptr;
testkit::CalicoFixtures* PublishEndToEnd::fixtures_ = nullptr;
testkit::GpgFixture* PublishEndToEnd::key_ = nullptr;

TEST_F(PublishEndToEnd, ReleaseProducesTheWholeMatrixAndARerunUploadsNothing) {
  const auto first = publish({"--version", "v3.4.1"}, {"SECRET_KEY=" + key_->secret_key.string()});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("all 24 jobs succeeded"), std::string::npos) << first.output;

  const auto ppa = dir_->path() / "ppa" / "project-calico" / "calico-3.4";
  for (const std::string changes :
       {"felix_3.4.1-trusty", "felix_3.4.1-xenial", "felix_3.4.1-bionic", "felix_3.4.1-focal", "networking-calico_3.4.1-trusty",
        "networking-calico_3.4.1-xenial", "networking-calico_3.4.1-bionic", "networking-calico_3.4.1-focal",
        // the fork's own changelog versions, xenial's retargeted from trusty: two names, no shared orig
        "dnsmasq_2.79test1calico1-3~trusty", "dnsmasq_2.79test1calico1-2~xenial", "nettle_3.3-1"}) {
    const auto file = ppa / (changes + "_source.changes");
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    const auto verified = verify_changes(file);
    EXPECT_EQ(verified.exit_code, 0) << changes << ": " << verified.output;
  }
  EXPECT_FALSE(std::filesystem::exists(ppa / "dnsmasq_2.79test1calico1.orig.tar.gz"));
  // networking-calico's Debian version carries its epoch; Felix ships its binary.
  EXPECT_NE(testkit::read_text(ppa / "networking-calico_3.4.1-xenial.dsc").find("\nVersion: 1:3.4.1-xenial\n"), std::string::npos);
  const auto listing = testkit::run_process({"/usr/bin/tar", "--list", "--file", (ppa / "felix_3.4.1-xenial.tar.xz").string()},
                                            dir_->path());
  EXPECT_NE(listing.output.find("felix/bin/calico-felix\n"), std::string::npos) << listing.output;
  EXPECT_NE(listing.output.find("felix/bpf-gpl/bin/to_hep.o\n"), std::string::npos) << listing.output;
  EXPECT_EQ(listing.output.find("calico-felix-amd64"), std::string::npos) << listing.output;
  EXPECT_EQ(listing.output.find("test_xdp.o"), std::string::npos) << listing.output;
  EXPECT_EQ(listing.output.find(".gitignore"), std::string::npos) << listing.output;

  const auto rpms = dir_->path() / "rpm-host" / "rpm" / "calico-3.4";
  for (const std::string rpm : {"x86_64/felix-3.4.1-1.el7.x86_64.rpm", "noarch/networking-calico-3.4.1-1.el7.noarch.rpm",
                                "x86_64/dnsmasq-2.79_calico1-2.el7.2.x86_64.rpm", "src/felix-3.4.1-1.el7.src.rpm"}) {
    ASSERT_TRUE(std::filesystem::exists(rpms / rpm)) << rpm;
  }
  EXPECT_TRUE(std::filesystem::exists(rpms / "repodata" / "repomd.xml")) << "yum's baseurl is the repository itself";
  EXPECT_TRUE(std::filesystem::exists(rpms / "key"));

  // The same publish again: everything is already there, and each job asks before it builds.
  const auto again = publish({"--version", "v3.4.1"}, {"SECRET_KEY=" + key_->secret_key.string()});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  const std::vector<std::string> lines = finished_jobs(again.output);
  std::size_t not_built = 0;
  for (const std::string& line : lines) {
    if (line.starts_with("bld_images/")) continue;
    if (line.starts_with("pub_debs/")) {
      EXPECT_NE(line.find(" 0 uploaded, "), std::string::npos) << line;
      EXPECT_NE(line.find("(nothing built)"), std::string::npos) << line;
    } else if (line.starts_with("pub_rpms/")) {
      EXPECT_NE(line.find("0 added, 3 source RPMs already there (nothing built)"), std::string::npos) << line;
    } else {
      EXPECT_NE(line.find("already published: "), std::string::npos) << line;
      ++not_built;
    }
  }
  EXPECT_EQ(lines.size(), 24u) << again.output;
  EXPECT_EQ(not_built, 14u) << again.output;
  EXPECT_NE(again.output.find("already published: networking-calico 1:3.4.1-xenial, nothing built"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("already published: felix-3.4.1-1.el7.src.rpm in "), std::string::npos) << again.output;
  // Nothing built: no job of the second run made a source package or an RPM.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::filesystem::path(run_dir_of(again.output)) / "jobs")) {
    const std::string name = entry.path().filename().string();
    EXPECT_FALSE(name.ends_with(".dsc") || name.ends_with(".rpm")) << entry.path();
  }
}

TEST_F(PublishEndToEnd, TheKubernetesExecutorPublishesTheSameReleaseWithEveryJobInAPodAndLeavesNoJob) {
  // Every component job runs in a Pod of a (fake) cluster whose kubelet runs the container here;
  // the platforms are the default's, with rpmbuild not checking BuildRequires against an rpm
  // database this host does not have (the platform images do).
  testkit::FakeKubernetes cluster;
  cluster.write_kubeconfig(dir_->path() / "kubeconfig", "calico-builds");
  testkit::write_file(dir_->path() / "bot-k8s.toml", R"(
[log]
level = "warn"
[publish]
parallel_jobs = 2
work_dir = "work-k8s"
mirror_dir = "mirrors"
dput_method = "local"
dput_incoming = "ppa-k8s/{owner}/{repo}"
upload_attempts = 1
rpm_root = "rpm-host-k8s"
executor = "kubernetes"
[publish.kubernetes]
kubeconfig = "kubeconfig"
run_as_user = 1000
run_as_group = 1000
)" + testkit::host_image_platforms_toml() + testkit::fixture_repositories_toml(*fixtures_));
  const auto result = testkit::run_process({CALICO_BOT_BINARY, "publish", "--config", (dir_->path() / "bot-k8s.toml").string(),
                                            "--version", "v3.4.1"},
                                           dir_->path(), {"SECRET_KEY=" + key_->secret_key.string()});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("all 24 jobs succeeded"), std::string::npos) << result.output;
  const auto ppa = dir_->path() / "ppa-k8s" / "project-calico" / "calico-3.4";
  for (const std::string changes : {"felix_3.4.1-xenial", "networking-calico_3.4.1-focal", "dnsmasq_2.79test1calico1-2~xenial", "nettle_3.3-1"}) {
    const auto file = ppa / (changes + "_source.changes");
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    EXPECT_EQ(verify_changes(file).exit_code, 0) << changes;
  }
  const auto rpms = dir_->path() / "rpm-host-k8s" / "rpm" / "calico-3.4";
  for (const std::string rpm : {"x86_64/felix-3.4.1-1.el7.x86_64.rpm", "noarch/networking-calico-3.4.1-1.el7.noarch.rpm",
                                "x86_64/dnsmasq-2.79_calico1-2.el7.2.x86_64.rpm"}) {
    EXPECT_TRUE(std::filesystem::exists(rpms / rpm)) << rpm;
  }
  // One Job per component job, in the kubeconfig's namespace, each a Pod of its platform's
  // image; all of them gone, and no container left running.
  const auto jobs = cluster.created_jobs();
  EXPECT_GE(jobs.size(), 14u);
  std::set<std::string> images;
  for (const auto& job : jobs) {
    images.insert(std::string(job.at("spec").at("template").at("spec").at("containers").at(0).at("image").as_string()));
  }
  EXPECT_EQ(images, (std::set<std::string>{"calico-build/bionic", "calico-build/centos7", "calico-build/focal",
                                           "calico-build/trusty", "calico-build/xenial"}));
  EXPECT_TRUE(cluster.job_names().empty());
  EXPECT_EQ(cluster.pod_count(), 0u);
  EXPECT_EQ(cluster.running_containers(), 0u);
  // Every Job the bot sent passes Kubernetes' published schema (kubernetes-models).
  {
    boost::json::array items(jobs.begin(), jobs.end());
    const auto list = dir_->path() / "sent-jobs.json";
    std::ofstream(list) << boost::json::serialize(boost::json::object{{"items", std::move(items)}});
    const auto schema = std::filesystem::path(CALICO_SOURCE_DIR) / "tests" / "schema";
    const auto validated = testkit::run_process({"/usr/bin/env", "node", (schema / "validate.mjs").string(), list.string()}, dir_->path(), {}, schema);
    EXPECT_EQ(validated.exit_code, 0) << validated.output;
    EXPECT_EQ(count_occurrences(validated.output, ": valid"), jobs.size()) << validated.output;
  }
  // The job logs hold the Pods' output, as the local executor's hold the processes'.
  bool pod_output_logged = false;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_->path() / "work-k8s")) {
    if (entry.path().extension() != ".log") continue;
    const std::string text = testkit::read_file(entry.path());
    pod_output_logged |= text.find("[pod of job calico-b0-") != std::string::npos && text.find("dpkg-source: info:") != std::string::npos;
  }
  EXPECT_TRUE(pod_output_logged);
}

TEST_F(PublishEndToEnd, MasterPublishesTheWholeMatrixAsSnapshotsAndARerunUploadsNothing) {
  const auto result = publish({"--version", "master"}, {"SECRET_KEY=" + key_->secret_key.string()});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("all 24 jobs succeeded"), std::string::npos) << result.output;
  // Two commits since v3.5.0-0.dev: <tag>.post2+<commit time>+0000+<sha7>, "~" before 0.dev.
  const auto ppa = dir_->path() / "ppa" / "project-calico" / "master";
  auto published = [&](const std::string& prefix, const std::string& suffix) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(ppa)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with(prefix) && name.ends_with(suffix)) names.push_back(name);
    }
    return names;
  };
  for (const std::string series : {"trusty", "xenial", "bionic", "focal"}) {
    for (const std::string component : {"felix", "networking-calico"}) {
      const std::string sha7 = fixtures_->commits.at(component + "@master").substr(0, 7);
      EXPECT_EQ(published(component + "_3.5.0~0.dev.post2+", "+0000+" + sha7 + "-" + series + "_source.changes").size(), 1u)
          << component << " " << series;
    }
  }
  const auto rpms = dir_->path() / "rpm-host" / "rpm" / "master" / "x86_64";
  bool felix_rpm = false;
  for (const auto& entry : std::filesystem::directory_iterator(rpms)) {
    const std::string name = entry.path().filename().string();
    felix_rpm |= name.starts_with("felix-3.5.0-0.1.0.dev.post2+") && name.ends_with(".el7.x86_64.rpm");
  }
  EXPECT_TRUE(felix_rpm);
  // Snapshot versions come from the commit, so the same commits publish as the same versions;
  // each job asks the archive or the RPM repository for its own: what one of them lacks (one
  // source package, one source RPM, removed here) is built and published again, nothing else.
  const auto removed = published("networking-calico_3.5.0~0.dev.post2+", "-bionic_source.changes");
  ASSERT_EQ(removed.size(), 1u);
  std::filesystem::remove(ppa / removed.front());
  std::string felix_srpm;
  for (const auto& entry : std::filesystem::directory_iterator(rpms.parent_path() / "src")) {
    if (entry.path().filename().string().starts_with("felix-")) felix_srpm = entry.path().filename().string();
  }
  ASSERT_FALSE(felix_srpm.empty());
  std::filesystem::remove(rpms.parent_path() / "src" / felix_srpm);
  const auto again = publish({"--version", "master"}, {"SECRET_KEY=" + key_->secret_key.string()});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  std::vector<std::string> built;
  for (const std::string& line : finished_jobs(again.output)) {
    const bool component = !line.starts_with("bld_images/") && !line.starts_with("pub_");
    if (component && line.find("already published: ") == std::string::npos) built.push_back(line.substr(0, line.find(' ')));
  }
  std::sort(built.begin(), built.end());
  EXPECT_EQ(built, (std::vector<std::string>{"felix/centos7", "net_cal/bionic"})) << again.output;
  for (const std::string& line : finished_jobs(again.output)) {
    if (line.starts_with("pub_debs/bionic ")) {
      EXPECT_NE(line.find(" 1 uploaded, 1 already in the archive"), std::string::npos) << line;
    } else if (line.starts_with("pub_debs/xenial ")) {
      EXPECT_NE(line.find(" 0 uploaded, 4 already in the archive (nothing built)"), std::string::npos) << line;
    } else if (line.starts_with("pub_rpms/centos7 ")) {
      EXPECT_NE(line.find(" 1 added, 1 already there (and 2 source RPMs not built, already there)"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(published("networking-calico_3.5.0~0.dev.post2+", "-bionic_source.changes"), removed);
  EXPECT_TRUE(std::filesystem::exists(rpms.parent_path() / "src" / felix_srpm));
}

TEST_F(PublishEndToEnd, AJobFoundAlreadyPublishedIsAdoptedByAResumedRunAndItsUploadReportedAgain) {
  // Published once; then a run (as the service's) whose felix/xenial finds it in the archive,
  // interrupted; its resumed attempt adopts that finding instead of building, and pub_debs still
  // reports the upload as the build's (the Launchpad watch follows it).
  ASSERT_EQ(publish({"--version", "v3.4.0", "--steps", "felix,pub_debs", "--platforms", "xenial"},
                    {"SECRET_KEY=" + key_->secret_key.string()}).exit_code, 0);
  const config::Config config = config::load_config(dir_->path() / "bot.toml");
  builders::PublishRequest request;
  request.version = "v3.4.0";
  request.steps = {"felix", "pub_debs"};
  request.platforms = {"xenial"};
  const builders::Plan plan = builders::make_plan(request, config);
  const builders::Job* felix = plan.find("felix/xenial");
  const builders::Job* pub_debs = plan.find("pub_debs/xenial");
  ASSERT_TRUE(felix && pub_debs);
  PipelineEnvironment environment = make_pipeline_environment(config, plan, {key_->secret_key.string(), {}, {}, {}});
  const auto run_dir = dir_->path() / "adopt-run";
  builders::exec::CancelToken cancel;
  {
    builders::pipeline::Procedure first(config, plan, run_dir, *environment.executor, environment.keyring.get(), environment.archive.get(),
                                        *environment.rpm_host, config.publish.rpm_root.string());
    EXPECT_EQ(first.run(*felix, run_dir / "felix.log", cancel), "already published: felix 3.4.0-xenial, nothing built");
  }  // the run ends here, as a crash would
  builders::pipeline::Procedure resumed(config, plan, run_dir, *environment.executor, environment.keyring.get(), environment.archive.get(),
                                        *environment.rpm_host, config.publish.rpm_root.string());
  resumed.adopt(*felix);
  std::vector<std::string> reported;
  resumed.on_in_archive([&](const builders::pipeline::Procedure::Upload& upload) {
    reported.push_back(upload.job + " " + upload.source + " " + upload.version + " " + upload.series);
  });
  resumed.on_uploaded([&](const builders::pipeline::Procedure::Upload& upload) { ADD_FAILURE() << "uploaded " << upload.source; });
  EXPECT_EQ(resumed.run(*pub_debs, run_dir / "pub_debs.log", cancel), "0 uploaded, 1 already in the archive (nothing built)");
  EXPECT_EQ(reported, (std::vector<std::string>{"felix/xenial felix 3.4.0-xenial xenial"}));
  // A record it cannot read is refused, so the resumed run builds that job again.
  testkit::write_file(run_dir / "jobs" / "felix-xenial" / "already-published", "deb felix\n");
  EXPECT_THROW(resumed.adopt(*felix), std::runtime_error);
}

TEST_F(PublishEndToEnd, DryRunPrintsThePlanAndTouchesNothing) {
  const auto result = publish({"--dry-run"}, {"VERSION=v3.4.1", "STEPS=felix pub_debs"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("VERSION=v3.4.1 (release)\nREPO_NAME=calico-3.4 (ppa:project-calico/calico-3.4)\n"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("  pub_debs/xenial  after felix/xenial\n"), std::string::npos) << result.output;
  // A release is promoted from testing by default; without a Launchpad token only the RPMs would be.
  EXPECT_NE(result.output.find("Would promote from testing: each package testing has published under the same version is copied, "
                               "the others built (RPMs only: no Launchpad OAuth token to copy source packages with)\n"),
            std::string::npos)
      << result.output;
}

TEST_F(PublishEndToEnd, BadRequestsAreRefusedBeforeAnythingRuns) {
  const auto bad_version = publish({"--version", "3.4"});
  EXPECT_EQ(bad_version.exit_code, 2);
  EXPECT_NE(bad_version.output.find("VERSION \"3.4\" is not master, vX.Y.Z, vX.Y.Z-python2 or release-vX.Y"), std::string::npos);
  const auto bad_package = publish({"--version", "v3.4.1"}, {"PACKAGE_ETCD3GW=yes"});
  EXPECT_EQ(bad_package.exit_code, 2);
  EXPECT_NE(bad_package.output.find("PACKAGE_ETCD3GW must be true or false, got \"yes\""), std::string::npos) << bad_package.output;
  // Without VERSION it publishes master, as make release-publish does (here: refused for want
  // of a key, which shows it went on to plan master).
  const auto no_version = publish({});
  EXPECT_EQ(no_version.exit_code, 3) << no_version.output;
  EXPECT_NE(no_version.output.find("there is no signing key"), std::string::npos) << no_version.output;
  const auto no_key = publish({"--version", "v3.4.1"});
  EXPECT_EQ(no_key.exit_code, 3);
  EXPECT_NE(no_key.output.find("there is no signing key"), std::string::npos) << no_key.output;
  // HOST picks the host of a configured ssh or gcloud transport; with a local one it is refused.
  const auto gcloud = publish({"--version", "v3.4.1"}, {"HOST=rpm.example.org", "SECRET_KEY=" + key_->secret_key.string()});
  EXPECT_EQ(gcloud.exit_code, 2);
  EXPECT_NE(gcloud.output.find("HOST is set, but [publish] rpm_transport is \"local\""), std::string::npos) << gcloud.output;
  std::string gcloud_config = testkit::read_text(dir_->path() / "bot.toml");
  const std::string local_root = "rpm_root = \"rpm-host\"";
  gcloud_config.replace(gcloud_config.find(local_root), local_root.size(), "rpm_transport = \"gcloud\"\nrpm_root = \"/srv/rpm\"");
  testkit::write_file(dir_->path() / "gcloud.toml", gcloud_config);
  const auto hostile = testkit::run_process({CALICO_BOT_BINARY, "publish", "--config", (dir_->path() / "gcloud.toml").string(),
                                             "--version", "v3.4.1"},
                                            dir_->path(), {"HOST=-oProxyCommand=x"});
  EXPECT_EQ(hostile.exit_code, 2);
  EXPECT_NE(hostile.output.find("HOST \"-oProxyCommand=x\" is not [user@]host"), std::string::npos) << hostile.output;
}

TEST_F(PublishEndToEnd, AMissingRefFailsAtOnceNamingEachAndNothingIsBuilt) {
  // Every ref is looked up before any job starts: one error naming each missing one, no job run.
  const auto result = publish({"--version", "v3.4.1", "--felix-checkout", "no-such-branch"},
                              {"SECRET_KEY=" + key_->secret_key.string()});
  EXPECT_EQ(result.exit_code, 4) << result.output;
  EXPECT_NE(result.output.find("VERSION=v3.4.1 cannot be built: 1 source not found (nothing was built)"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("  felix: \"no-such-branch\" is not a branch, tag or commit of "), std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("done     "), std::string::npos) << "no job ran:\n" << result.output;
  EXPECT_EQ(result.output.find("FAILED   "), std::string::npos) << result.output;
  EXPECT_EQ(count_occurrences(result.output, "no-such-branch"), 1u) << "said once, not once per job:\n" << result.output;
}

TEST_F(PublishEndToEnd, AFailedOptionalInputHoldsBackNoOtherUpload) {
  // nettle's source package cannot be fetched: xenial's other packages are uploaded anyway.
  std::string text = testkit::read_text(dir_->path() / "bot.toml");
  text += "";
  const std::string nettle = fixtures_->nettle_dsc.string();
  text.replace(text.find(nettle), nettle.size(), (dir_->path() / "missing" / "nettle_3.3-1.dsc").string());
  testkit::write_file(dir_->path() / "no-nettle.toml", text);
  const auto result = testkit::run_process(
      {CALICO_BOT_BINARY, "publish", "--config", (dir_->path() / "no-nettle.toml").string(), "--version", "v3.4.0", "--steps",
       "felix,nettle,pub_debs", "--platforms", "xenial"},
      dir_->path(), {"SECRET_KEY=" + key_->secret_key.string()});
  EXPECT_EQ(result.exit_code, 4) << result.output;
  EXPECT_NE(result.output.find("FAILED   nettle/xenial"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("does not exist"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("done     pub_debs/xenial"), std::string::npos) << result.output;
  EXPECT_TRUE(std::filesystem::exists(dir_->path() / "ppa" / "project-calico" / "calico-3.4" / "felix_3.4.0-xenial_source.changes"));
}

TEST_F(PublishEndToEnd, ALaunchpadPpaIsAskedFirstAndWhatItHoldsIsNotUploaded) {
  // Launchpad (a loopback stand-in here) already holds v3.4.1 for both series, one of them deleted:
  // it would refuse either again, so nothing may go to dput (which would reach for the network).
  testkit::FakeLaunchpad launchpad;
  launchpad.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial"});
  launchpad.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-bionic", "bionic", "Deleted"});
  std::string text = testkit::read_text(dir_->path() / "bot.toml");
  const std::string local = "dput_method = \"local\"";
  text.replace(text.find(local), local.size(), "dput_method = \"ftp\"");
  text += "\n[launchpad]\napi_root = \"" + launchpad.api_root() + "\"\nmin_interval_ms = 0\n";
  testkit::write_file(dir_->path() / "launchpad.toml", text);
  const auto result = testkit::run_process(
      {CALICO_BOT_BINARY, "publish", "--config", (dir_->path() / "launchpad.toml").string(), "--version", "v3.4.1", "--steps",
       "felix,pub_debs", "--platforms", "xenial,bionic"},
      dir_->path(), {"SECRET_KEY=" + key_->secret_key.string()});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("pub_debs/xenial"), std::string::npos);
  EXPECT_NE(result.output.find("0 uploaded, 1 already in the archive"), std::string::npos) << result.output;
  EXPECT_GE(launchpad.requests(), 1);
}

TEST_F(PublishEndToEnd, EveryUploadIsWatchedUntilLaunchpadPublishesIt) {
  testkit::FakeLaunchpad launchpad;
  const std::string text = testkit::read_text(dir_->path() / "bot.toml") + "\n[store]\npath = \"watched.sqlite\"\n[launchpad]\napi_root = \"" +
                           launchpad.api_root() + "\"\n";
  testkit::write_file(dir_->path() / "watched.toml", text);
  const auto result = testkit::run_process(
      {CALICO_BOT_BINARY, "publish", "--config", (dir_->path() / "watched.toml").string(), "--version", "master", "--repo-name",
       "watch-test", "--steps", "felix,net_cal,pub_debs", "--platforms", "xenial"},
      dir_->path(), {"SECRET_KEY=" + key_->secret_key.string()});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  // dput returning is half of publishing: publish says so instead of "Published".
  EXPECT_NE(result.output.find("2 uploads waiting for Launchpad to publish"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("Published master"), std::string::npos) << result.output;
  store::sqlite::Connection db(dir_->path() / "watched.sqlite");
  store::Statement rows = db.prepare("SELECT owner, ppa, source, series, state, finished_at IS NULL FROM lp_watches ORDER BY source");
  std::vector<std::string> watched;
  while (rows.step()) {
    watched.push_back(rows.column_text(0) + "/" + rows.column_text(1) + " " + rows.column_text(2) + " " + rows.column_text(3) + " " +
                      rows.column_text(4) + (rows.column_int(5) ? " open" : " finished"));
  }
  EXPECT_EQ(watched, (std::vector<std::string>{"project-calico/watch-test felix xenial waiting open",
                                               "project-calico/watch-test networking-calico xenial waiting open"}));
}

// publish --wait against a Launchpad that already holds the release: nothing is uploaded again
// (dput would reach for the network), the uploads found in the archive are watched, and publish
// waits until Launchpad says what became of them.
class PublishWait : public PublishEndToEnd {
 protected:
  // `name`: the store and configuration of this run (each test its own: a watch is kept).
  testkit::RunResult publish_and_wait(testkit::FakeLaunchpad& launchpad, const std::string& name) {
    std::string text = testkit::read_text(dir_->path() / "bot.toml");
    const std::string local = "dput_method = \"local\"";
    text.replace(text.find(local), local.size(), "dput_method = \"ftp\"");
    text += "\n[store]\npath = \"" + name + ".sqlite\"\n[launchpad]\napi_root = \"" + launchpad.api_root() + "\"\nmin_interval_ms = 0\n";
    testkit::write_file(dir_->path() / (name + ".toml"), text);
    return testkit::run_process({CALICO_BOT_BINARY, "publish", "--config", (dir_->path() / (name + ".toml")).string(), "--version",
                                 "v3.4.1", "--steps", "felix,pub_debs", "--platforms", "xenial", "--wait", "--wait-timeout", "60"},
                                dir_->path(), {"SECRET_KEY=" + key_->secret_key.string()});
  }
};

TEST_F(PublishWait, EndsWhenLaunchpadHasPublishedEveryUpload) {
  testkit::FakeLaunchpad launchpad;
  launchpad.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial", "Published",
                        {{"amd64", "Successfully built"}}, {{"amd64", "Published"}}});
  const auto result = publish_and_wait(launchpad, "wait-published");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("1 upload waiting for Launchpad to publish (waiting here)"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("Published.\n"), std::string::npos) << result.output;
  EXPECT_GE(launchpad.requests_by_operation()["getBuildSummariesForSourceIds"], 1);
}

TEST_F(PublishWait, ALaunchpadBuildFailureExitsFiveNamingIt) {
  testkit::FakeLaunchpad launchpad;
  launchpad.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial", "Published",
                        {{"amd64", "Failed to build", "https://launchpad.test/felix-amd64.txt.gz"}}});
  const auto result = publish_and_wait(launchpad, "wait-failed");
  EXPECT_EQ(result.exit_code, 5) << result.output;
  EXPECT_NE(result.output.find("felix 3.4.1-xenial failed: amd64: Failed to build (https://launchpad.test/felix-amd64.txt.gz)"),
            std::string::npos)
      << result.output;
}

TEST_F(PublishEndToEnd, RpmsCanBeSignedWithTheirOwnKey) {
  const testkit::GpgFixture rpm_key = testkit::make_gpg_key(dir_->path() / "rpm-key");
  const auto result = publish({"--version", "v3.4.0", "--repo-name", "rpm-key-test", "--steps", "felix,pub_rpms"},
                              {"SECRET_KEY=" + key_->secret_key.string(), "RPM_SECRET_KEY=" + rpm_key.secret_key.string()});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto repo = dir_->path() / "rpm-host" / "rpm" / "rpm-key-test";
  EXPECT_EQ(testkit::read_text(repo / "key"), testkit::read_text(rpm_key.public_key)) << "the repository offers the RPM key";
  const auto db = dir_->path() / "rpm-key-db";
  std::filesystem::create_directories(db);
  ASSERT_EQ(testkit::run_process({"/usr/bin/rpm", "--dbpath", db.string(), "--import", rpm_key.public_key.string()}, dir_->path()).exit_code, 0);
  const auto checked =
      testkit::run_process({"/usr/bin/rpm", "--dbpath", db.string(), "-K", (repo / "x86_64" / "felix-3.4.0-1.el7.x86_64.rpm").string()},
                           dir_->path());
  EXPECT_NE(checked.output.find("digests signatures OK"), std::string::npos) << checked.output;
  testkit::remove_gpg_home(rpm_key.verify_home);
}

TEST_F(PublishEndToEnd, Etcd3gwIsBuiltOnRequestFromTheSpecThePackagingRepositoryKeeps) {
  const auto off = publish({"--version", "v3.4.0", "--repo-name", "etcd3gw-test", "--steps", "etcd3gw,pub_rpms", "--dry-run"});
  EXPECT_NE(off.output.find("etcd3gw is built only on request (PACKAGE_ETCD3GW=true"), std::string::npos) << off.output;
  const auto result = publish({"--version", "v3.4.0", "--repo-name", "etcd3gw-test", "--steps", "etcd3gw,pub_rpms"},
                              {"SECRET_KEY=" + key_->secret_key.string(), "PACKAGE_ETCD3GW=true"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto rpm = dir_->path() / "rpm-host" / "rpm" / "etcd3gw-test" / "noarch" / "python-etcd3gw-0.2.4-1.el7.noarch.rpm";
  ASSERT_TRUE(std::filesystem::exists(rpm)) << result.output;
  const auto sources = testkit::run_process(
      {"/usr/bin/rpm", "-qp", "--nosignature", "--queryformat", "[%{FILENAMES}\n]",
       (dir_->path() / "rpm-host" / "rpm" / "etcd3gw-test" / "src" / "python-etcd3gw-0.2.4-1.el7.src.rpm").string()},
      dir_->path());
  EXPECT_NE(sources.output.find("etcd3gw-0.2.4.tar.gz"), std::string::npos) << sources.output;
  EXPECT_NE(sources.output.find("etcd3gw-tool.service"), std::string::npos) << "the files beside the spec: " << sources.output;
}

TEST_F(PublishEndToEnd, AReleaseTestingHasPublishedIsCopiedNotBuiltAndWhatItHasNotIsBuiltSayingWhy) {
  // testing (the release branch's PPA, a loopback Launchpad) has published felix 3.4.1 for
  // xenial with its binaries; its bionic upload is still Pending. Its RPM repository holds the
  // centos7 RPMs, put there by a publish of the same tag into testing.
  testkit::FakeLaunchpad launchpad;
  const testkit::FakeOAuthToken token{"calico-release-bot", "access-token", "token-secret"};
  launchpad.accept_token(token);
  launchpad.add_source({"project-calico", "testing", "felix", "3.4.1-xenial", "xenial", "Published",
                        {{"amd64", "Successfully built", "http://lp/build-log"}}, {{"amd64", "Published"}}});
  launchpad.add_source({"project-calico", "testing", "felix", "3.4.1-bionic", "bionic", "Pending", {{"amd64", "Needs building"}}});
  std::string text = testkit::read_text(dir_->path() / "bot.toml");
  text.replace(text.find("rpm_root = \"rpm-host\""), 21, "rpm_root = \"promotion-rpm\"");
  text.replace(text.find("dput_incoming = \"ppa/"), 21, "dput_incoming = \"promotion-ppa/");
  text += "\n[store]\npath = \"promotion.sqlite\"\n[launchpad]\napi_root = \"" + launchpad.api_root() +
          "\"\nmin_interval_ms = 0\n[secrets]\nlaunchpad_consumer_key = { env = \"LP_CONSUMER\" }\n"
          "launchpad_token = { env = \"LP_TOKEN\" }\nlaunchpad_token_secret = { env = \"LP_TOKEN_SECRET\" }\n";
  testkit::write_file(dir_->path() / "promotion.toml", text);
  const std::vector<std::string> env{"SECRET_KEY=" + key_->secret_key.string(), "LP_CONSUMER=" + token.consumer_key,
                                     "LP_TOKEN=" + token.token, "LP_TOKEN_SECRET=" + token.token_secret};
  const auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{CALICO_BOT_BINARY, "publish", "--config", (dir_->path() / "promotion.toml").string(), "--version", "v3.4.1"};
    argv.insert(argv.end(), args.begin(), args.end());
    return testkit::run_process(argv, dir_->path(), env);
  };
  const auto into_testing = run({"--repo-name", "testing", "--steps", "felix,pub_rpms", "--platforms", "centos7"});
  ASSERT_EQ(into_testing.exit_code, 0) << into_testing.output;
  const auto testing_rpm = dir_->path() / "promotion-rpm" / "rpm" / "testing" / "x86_64" / "felix-3.4.1-1.el7.x86_64.rpm";
  ASSERT_TRUE(std::filesystem::exists(testing_rpm));

  const auto release = run({"--steps", "felix,pub_debs,pub_rpms", "--platforms", "xenial,bionic,centos7"});
  ASSERT_EQ(release.exit_code, 0) << release.output;
  EXPECT_NE(release.output.find("Promoting from testing"), std::string::npos) << release.output;
  std::map<std::string, std::string> done;
  for (const std::string& line : finished_jobs(release.output)) done[line.substr(0, line.find(' '))] = line;
  EXPECT_NE(done["felix/xenial"].find("promoted: copied from testing: felix 3.4.1-xenial with its published binaries"), std::string::npos)
      << done["felix/xenial"];
  EXPECT_NE(done["felix/bionic"].find("built from source, not promoted (testing's felix 3.4.1-bionic is Pending, not published)"),
            std::string::npos)
      << done["felix/bionic"];
  EXPECT_NE(done["felix/centos7"].find("promoted: felix-3.4.1-1.el7.src.rpm and its RPMs in "), std::string::npos) << done["felix/centos7"];
  EXPECT_NE(done["pub_debs/xenial"].find("0 uploaded, 1 copied from testing"), std::string::npos) << done["pub_debs/xenial"];
  EXPECT_NE(done["pub_debs/bionic"].find("1 uploaded"), std::string::npos) << done["pub_debs/bionic"];
  EXPECT_NE(done["pub_rpms/centos7"].find("2 copied from testing"), std::string::npos) << done["pub_rpms/centos7"];

  // Nothing built for what was promoted: no source package for xenial went to dput.
  const auto ppa = dir_->path() / "promotion-ppa" / "project-calico" / "calico-3.4";
  EXPECT_FALSE(std::filesystem::exists(ppa / "felix_3.4.1-xenial_source.changes"));
  EXPECT_TRUE(std::filesystem::exists(ppa / "felix_3.4.1-bionic_source.changes"));

  // The copy was asked of Launchpad, signed, binaries included; once its job runs it is in
  // calico-3.4, and the watcher follows it like the bionic upload.
  const auto jobs = launchpad.copy_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].source_name, "felix");
  EXPECT_EQ(jobs[0].version, "3.4.1-xenial");
  EXPECT_EQ(jobs[0].from_ppa, "project-calico/testing");
  EXPECT_EQ(jobs[0].to_ppa, "project-calico/calico-3.4");
  EXPECT_TRUE(jobs[0].include_binaries);
  EXPECT_EQ(launchpad.unauthorized_writes(), 0);
  EXPECT_EQ(launchpad.run_copy_jobs().size(), 1u);
  EXPECT_EQ(launchpad.copy_jobs()[0].state, "done");
  store::sqlite::Connection db(dir_->path() / "promotion.sqlite");
  store::Statement rows = db.prepare("SELECT source || ' ' || series FROM lp_watches WHERE ppa = 'calico-3.4' ORDER BY series");
  std::vector<std::string> watched;
  while (rows.step()) watched.push_back(rows.column_text(0));
  EXPECT_EQ(watched, (std::vector<std::string>{"felix bionic", "felix xenial"}));

  // The RPMs are testing's own files, and the release's repository is indexed.
  const auto release_rpms = dir_->path() / "promotion-rpm" / "rpm" / "calico-3.4";
  ASSERT_TRUE(std::filesystem::exists(release_rpms / "x86_64" / "felix-3.4.1-1.el7.x86_64.rpm"));
  EXPECT_EQ(testkit::read_text(release_rpms / "x86_64" / "felix-3.4.1-1.el7.x86_64.rpm"), testkit::read_text(testing_rpm));
  EXPECT_TRUE(std::filesystem::exists(release_rpms / "src" / "felix-3.4.1-1.el7.src.rpm"));
  EXPECT_NE(testkit::read_text(release_rpms / "repodata" / "repomd.xml").find("primary"), std::string::npos);

  // A copy Launchpad refuses outright (a wrong token secret: 401) fails pub_debs naming its answer.
  std::vector<std::string> wrong_secret = env;
  wrong_secret.back() = "LP_TOKEN_SECRET=not-the-secret";
  const auto refused = testkit::run_process({CALICO_BOT_BINARY, "publish", "--config", (dir_->path() / "promotion.toml").string(),
                                             "--version", "v3.4.1", "--steps", "felix,pub_debs", "--platforms", "xenial"},
                                            dir_->path(), wrong_secret);
  EXPECT_EQ(refused.exit_code, 4) << refused.output;
  EXPECT_NE(refused.output.find("copying felix 3.4.1-xenial from testing was refused (copyPackage of felix 3.4.1-xenial into "
                                "~project-calico/calico-3.4 answered HTTP 401: Unauthorized: Invalid signature)"),
            std::string::npos)
      << refused.output;
  EXPECT_EQ(refused.output.find("not-the-secret"), std::string::npos) << "a secret in the output";
  EXPECT_EQ(launchpad.unauthorized_writes(), 1);
  EXPECT_EQ(launchpad.copy_jobs().size(), 1u);

  // A dry run says a release would be promoted, and touches nothing.
  const auto copies_before = launchpad.copy_jobs().size();
  const auto dry = run({"--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("Would promote from testing: each package testing has published under the same version is copied"),
            std::string::npos)
      << dry.output;
  EXPECT_EQ(dry.output.find("RPMs only"), std::string::npos) << dry.output;  // a token is configured
  const auto dry_off = run({"--dry-run", "--promote-from", ""});
  EXPECT_EQ(dry_off.exit_code, 0) << dry_off.output;
  EXPECT_EQ(dry_off.output.find("Would promote"), std::string::npos) << dry_off.output;
  EXPECT_EQ(launchpad.copy_jobs().size(), copies_before);

  // A snapshot is never promoted: asking for it is a usage error, in a dry run too.
  const auto dry_snapshot = testkit::run_process({CALICO_BOT_BINARY, "publish", "--config", (dir_->path() / "promotion.toml").string(),
                                                  "--version", "master", "--promote-from", "testing", "--dry-run"},
                                                 dir_->path(), env);
  EXPECT_EQ(dry_snapshot.exit_code, 2) << dry_snapshot.output;
  EXPECT_NE(dry_snapshot.output.find("only a release (VERSION=vX.Y.Z) is promoted"), std::string::npos) << dry_snapshot.output;
  const auto snapshot = testkit::run_process({CALICO_BOT_BINARY, "publish", "--config", (dir_->path() / "promotion.toml").string(),
                                              "--version", "master", "--promote-from", "testing", "--steps", "felix,pub_debs",
                                              "--platforms", "xenial"},
                                             dir_->path(), env);
  EXPECT_EQ(snapshot.exit_code, 2) << snapshot.output;
  EXPECT_NE(snapshot.output.find("only a release (VERSION=vX.Y.Z) is promoted"), std::string::npos) << snapshot.output;
}
