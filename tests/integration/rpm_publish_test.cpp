// pub_rpms on a local repository: real rpmsign, rpm -K, createrepo_c, and re-publishing as a no-op.
#include <gtest/gtest.h>

#include "builders/publish/rpm_repository.hpp"
#include "builders/rpm/package.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/suites.hpp"
#include "tests/support/gpg_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/ssh_fixture.hpp"

using namespace calico;
using namespace calico::builders;

class RpmPublishTest : public testkit::SuiteWithKey {
 protected:
  // A small real package at `version`, built with rpmbuild.
  std::vector<std::filesystem::path> build(const std::string& tag, const std::string& job) {
    const auto job_dir = dir_->path() / job;
    const std::string spec = "Name: calico-test\nVersion: " + tag.substr(1) + "\nRelease: 1%{?dist}\nSummary: t\nLicense: ASL 2.0\n"
                             "BuildArch: noarch\nSource0: %{name}-%{version}.tar.gz\n\n%description\nt\n\n%prep\n%setup -q\n\n"
                             "%install\ninstall -D -m 0644 README %{buildroot}/usr/share/calico-test/README\n\n%files\n"
                             "/usr/share/calico-test/README\n\n%changelog\n";
    testkit::write_file(job_dir / "tree" / "README", tag + "\n");
    std::filesystem::create_directories(job_dir / "spec");
    exec::LocalExecutor local;
    exec::CancelToken cancel;
    return rpm::build_rpm({job_dir / "tree", job_dir, "centos7", ".el7", {}, spec, job_dir / "spec", "calico-test", {}, false,
                           std::chrono::sys_seconds(std::chrono::seconds(1606780800))},
                          *local.open({"test", "test"}), job_dir / "job.log", cancel)
        .rpms;
  }

  testkit::RunResult rpm_check(const std::filesystem::path& file) {
    const auto db = dir_->path() / "rpmdb";
    if (!std::filesystem::exists(db)) {
      std::filesystem::create_directories(db);
      EXPECT_EQ(testkit::run_process({"/usr/bin/rpm", "--dbpath", db.string(), "--import", key_->public_key.string()}, dir_->path())
                    .exit_code,
                0);
    }
    return testkit::run_process({"/usr/bin/rpm", "--dbpath", db.string(), "-K", file.string()}, dir_->path());
  }

};

TEST_F(RpmPublishTest, SignsPublishesIndexesAndRepublishesAsANoOp) {
  const std::vector<std::filesystem::path> rpms = build("v1.0.0", "one");
  ASSERT_EQ(rpms.size(), 2u);  // noarch + src
  exec::CancelToken cancel;
  const auto log = dir_->path() / "publish.log";
  sign::Keyring keyring(key_->secret_key, std::nullopt);
  EXPECT_EQ(rpm_check(rpms[0]).output.find("signatures OK"), std::string::npos) << "an unsigned RPM must not pass";
  publish::sign_rpms(keyring, rpms, log, cancel);
  for (const auto& rpm : rpms) {
    const auto checked = rpm_check(rpm);
    EXPECT_EQ(checked.exit_code, 0) << checked.output;
    EXPECT_NE(checked.output.find("digests signatures OK"), std::string::npos) << checked.output;
  }

  publish::LocalHost host;
  publish::RpmRepository repository(host, (dir_->path() / "host").string(), "calico-3.4");
  const auto first = repository.publish(rpms, keyring.export_public_key(), log, cancel);
  EXPECT_EQ(first.added.size(), 2u);
  const auto repo = dir_->path() / "host" / "rpm" / "calico-3.4";
  EXPECT_TRUE(std::filesystem::exists(repo / "noarch" / "calico-test-1.0.0-1.el7.noarch.rpm"));
  EXPECT_TRUE(std::filesystem::exists(repo / "src" / "calico-test-1.0.0-1.el7.src.rpm"));
  EXPECT_EQ(testkit::read_text(repo / "key"), testkit::read_text(key_->public_key));
  // createrepo_c's metadata lists the package.
  std::string primary;
  for (const auto& entry : std::filesystem::directory_iterator(repo / "repodata")) {
    if (entry.path().filename().string().find("primary.xml") != std::string::npos) primary = entry.path().string();
  }
  ASSERT_FALSE(primary.empty());
  const auto listing = testkit::run_process({"/usr/bin/zcat", "-f", primary}, dir_->path());
  EXPECT_NE(listing.output.find("<name>calico-test</name>"), std::string::npos);
  EXPECT_NE(listing.output.find("ver=\"1.0.0\" rel=\"1.el7\""), std::string::npos);

  const std::string repomd = testkit::read_text(repo / "repodata" / "repomd.xml");
  const auto again = repository.publish(rpms, keyring.export_public_key(), log, cancel);
  EXPECT_TRUE(again.added.empty());
  EXPECT_EQ(again.present.size(), 2u);
  EXPECT_EQ(testkit::read_text(repo / "repodata" / "repomd.xml"), repomd) << "re-publishing re-indexed";
}

TEST_F(RpmPublishTest, KeepsTheNewestVersions) {
  exec::CancelToken cancel;
  const auto log = dir_->path() / "prune.log";
  publish::LocalHost host;
  publish::RpmRepository repository(host, (dir_->path() / "prune-host").string(), "master", /*keep=*/2);
  // Published out of order: 1.0.10 is the newest (rpm's comparison, not the file names').
  for (const std::string tag : {"v1.0.10", "v1.0.2", "v1.0.9"}) {
    repository.publish(build(tag, "prune-" + tag), "KEY", log, cancel);
  }
  const auto noarch = dir_->path() / "prune-host" / "rpm" / "master" / "noarch";
  EXPECT_TRUE(std::filesystem::exists(noarch / "calico-test-1.0.10-1.el7.noarch.rpm"));
  EXPECT_TRUE(std::filesystem::exists(noarch / "calico-test-1.0.9-1.el7.noarch.rpm"));
  EXPECT_FALSE(std::filesystem::exists(noarch / "calico-test-1.0.2-1.el7.noarch.rpm"));
}

TEST_F(RpmPublishTest, OverSshToARealSshd) {
  std::unique_ptr<testkit::SshServer> server;
  try {
    server = std::make_unique<testkit::SshServer>(dir_->path() / "sshd");
  } catch (const testkit::SshUnavailable& e) {
    GTEST_SKIP() << e.what();
  }
  exec::CancelToken cancel;
  const auto log = dir_->path() / "ssh-publish.log";
  sign::Keyring keyring(key_->secret_key, std::nullopt);
  const std::vector<std::filesystem::path> rpms = build("v2.0.0", "ssh-one");
  publish::sign_rpms(keyring, rpms, log, cancel);
  publish::SshHost host(server->settings());
  const std::string root = (dir_->path() / "remote root").string();  // a space: arguments must arrive intact
  publish::RpmRepository repository(host, root, "calico-2.0", 2);
  const auto first = repository.publish(rpms, keyring.export_public_key(), log, cancel);
  EXPECT_EQ(first.added.size(), 2u) << testkit::read_text(log);
  const auto repo = std::filesystem::path(root) / "rpm" / "calico-2.0";
  EXPECT_TRUE(std::filesystem::exists(repo / "noarch" / "calico-test-2.0.0-1.el7.noarch.rpm"));
  EXPECT_TRUE(std::filesystem::exists(repo / "repodata" / "repomd.xml"));
  EXPECT_EQ(testkit::read_text(repo / "key"), testkit::read_text(key_->public_key));
  EXPECT_EQ(rpm_check(repo / "noarch" / "calico-test-2.0.0-1.el7.noarch.rpm").exit_code, 0);
  const auto again = repository.publish(rpms, keyring.export_public_key(), log, cancel);
  EXPECT_TRUE(again.added.empty());
  EXPECT_EQ(again.present.size(), 2u);
  for (const std::string tag : {"v2.0.1", "v2.0.2"}) {
    const auto more = build(tag, "ssh-" + tag);
    publish::sign_rpms(keyring, more, log, cancel);
    repository.publish(more, keyring.export_public_key(), log, cancel);
  }
  EXPECT_FALSE(std::filesystem::exists(repo / "noarch" / "calico-test-2.0.0-1.el7.noarch.rpm"));
  EXPECT_TRUE(std::filesystem::exists(repo / "noarch" / "calico-test-2.0.2-1.el7.noarch.rpm"));
}

// A createrepo_c killed mid-run (its replica died, its job was cancelled) leaves .repodata/ behind,
// which createrepo_c takes for another run at work and refuses: the next publish still indexes.
TEST_F(RpmPublishTest, ADeadIndexRunDoesNotStopTheNextPublish) {
  exec::CancelToken cancel;
  const auto log = dir_->path() / "dead-index.log";
  publish::LocalHost host;
  publish::RpmRepository repository(host, (dir_->path() / "dead-index-host").string(), "master");
  repository.publish(build("v2.0.0", "dead-index-1"), "KEY", log, cancel);
  const auto repo = dir_->path() / "dead-index-host" / "rpm" / "master";
  std::filesystem::create_directories(repo / ".repodata");
  testkit::write_file(repo / ".repodata" / "primary.xml.gz", "half written");

  const auto result = repository.publish(build("v2.0.1", "dead-index-2"), "KEY", log, cancel);
  EXPECT_EQ(result.added.size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(repo / ".repodata"));
  std::string listing;
  for (const auto& entry : std::filesystem::directory_iterator(repo / "repodata")) {
    if (entry.path().filename().string().find("primary.xml") == std::string::npos) continue;
    listing = testkit::run_process({"/usr/bin/zcat", "-f", entry.path().string()}, dir_->path()).output;
  }
  EXPECT_NE(listing.find("ver=\"2.0.1\""), std::string::npos) << testkit::read_text(log);
}

// A copy to the host cut short (its job killed mid-copy) leaves part of an RPM under its final
// name: publishing again copies it again instead of taking it for published.
TEST_F(RpmPublishTest, APartlyCopiedRpmIsCopiedAgain) {
  exec::CancelToken cancel;
  const auto log = dir_->path() / "part.log";
  publish::LocalHost host;
  publish::RpmRepository repository(host, (dir_->path() / "part-host").string(), "master");
  const std::vector<std::filesystem::path> rpms = build("v3.0.0", "part");
  repository.publish(rpms, "KEY", log, cancel);
  const auto noarch = dir_->path() / "part-host" / "rpm" / "master" / "noarch" / "calico-test-3.0.0-1.el7.noarch.rpm";
  const auto src = dir_->path() / "part-host" / "rpm" / "master" / "src" / "calico-test-3.0.0-1.el7.src.rpm";
  const std::string whole = testkit::read_text(noarch);
  for (const auto& file : {noarch, src}) std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
  EXPECT_FALSE(repository.holds_source_rpm(src.filename().string(), log, cancel)) << "half a source RPM taken for published";

  const auto again = repository.publish(rpms, "KEY", log, cancel);
  EXPECT_EQ(again.added.size(), 2u);
  EXPECT_TRUE(again.present.empty());
  EXPECT_EQ(testkit::read_text(noarch), whole);
  EXPECT_TRUE(repository.holds_source_rpm(src.filename().string(), log, cancel));
}

// A host whose copies are cut short: half of the first file is written where the copy goes, and
// the copy fails, as when the job is killed mid-copy.
class CutShortHost : public publish::LocalHost {
 public:
  exec::ProcessSpec copy_to_host(const std::vector<std::filesystem::path>& files, const std::string& directory) const override {
    const std::string whole = testkit::read_text(files.front());
    testkit::write_file(std::filesystem::path(directory) / files.front().filename(), whole.substr(0, whole.size() / 2));
    return {{"false"}};
  }
};

// Files are copied to a staging directory and renamed in: a copy cut short leaves nothing under a
// published name; the next publish copies everything, and a staging directory a killed publish
// left is removed once it is old.
TEST_F(RpmPublishTest, ACopyCutShortLeavesNothingUnderAPublishedName) {
  exec::CancelToken cancel;
  const auto log = dir_->path() / "cut.log";
  const auto root = dir_->path() / "cut-host";
  const std::vector<std::filesystem::path> rpms = build("v4.0.0", "cut");
  CutShortHost cut;
  publish::RpmRepository cut_short(cut, root.string(), "master");
  EXPECT_THROW(cut_short.publish(rpms, "KEY", log, cancel), publish::PublishError);
  const auto repo = root / "rpm" / "master";
  for (const char* bucket : {"src", "noarch", "x86_64"}) {
    for (const auto& entry : std::filesystem::directory_iterator(repo / bucket)) ADD_FAILURE() << "published: " << entry.path();
  }
  const auto stages = root / "rpm" / ".incoming" / "master";
  std::vector<std::filesystem::path> left;
  for (const auto& entry : std::filesystem::directory_iterator(stages)) left.push_back(entry.path());
  ASSERT_EQ(left.size(), 1u);

  publish::LocalHost host;
  publish::RpmRepository repository(host, root.string(), "master");
  const auto result = repository.publish(rpms, "KEY", log, cancel);
  EXPECT_EQ(result.added.size(), 2u);
  EXPECT_TRUE(repository.holds_source_rpm("calico-test-4.0.0-1.el7.src.rpm", log, cancel));
  EXPECT_EQ(testkit::read_text(repo / "noarch" / "calico-test-4.0.0-1.el7.noarch.rpm"),
            testkit::read_text(rpms[0].parent_path().filename() == "noarch" ? rpms[0] : rpms[1]));
  EXPECT_EQ(testkit::read_text(repo / "key"), "KEY");
  EXPECT_TRUE(std::filesystem::exists(left[0])) << "a staging directory of 0 h is not stale: it may be another publish's";
  for (const auto& entry : std::filesystem::directory_iterator(stages)) {
    EXPECT_EQ(entry.path(), left[0]) << "a finished publish leaves its staging directory";
  }

  std::filesystem::last_write_time(left[0], std::filesystem::file_time_type::clock::now() - std::chrono::hours(13));
  repository.publish(rpms, "KEY", log, cancel);
  EXPECT_TRUE(std::filesystem::is_empty(stages)) << "a staging directory of 13 h is a killed publish's";
}

TEST(RpmHosts, GcloudCommandsFollowTheOriginalProcedure) {
  publish::GcloudHost host("rpm-host-1", publish::split_words("--zone us-east1-b  --project calico-ci"));
  EXPECT_EQ(host.on_host({"createrepo_c", "--update", "/srv/rpm/calico-3.4/x86_64"}).argv,
            (std::vector<std::string>{"gcloud", "compute", "ssh", "--zone", "us-east1-b", "--project", "calico-ci", "rpm-host-1",
                                      "--command", "createrepo_c --update /srv/rpm/calico-3.4/x86_64"}));
  EXPECT_EQ(host.copy_to_host({"/w/a.rpm", "/w/b.rpm"}, "/srv/rpm/x").argv,
            (std::vector<std::string>{"gcloud", "compute", "scp", "--zone", "us-east1-b", "--project", "calico-ci", "/w/a.rpm",
                                      "/w/b.rpm", "rpm-host-1:/srv/rpm/x/"}));
  // A hostile file name reaches the remote shell as one quoted word.
  EXPECT_EQ(host.on_host({"rm", "-f", "--", "/srv/x; rm -rf /"}).argv.back(), "rm -f -- '/srv/x; rm -rf /'");
}
