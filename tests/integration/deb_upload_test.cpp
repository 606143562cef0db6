// pub_debs through the real dput to a local target: signed uploads accepted, re-runs skipped.
#include <gtest/gtest.h>

#include "builders/publish/deb_upload.hpp"
#include "tests/support/calico_fixtures.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/suites.hpp"
#include "tests/support/gpg_fixture.hpp"
#include "tests/support/process.hpp"

using namespace calico;
using namespace calico::builders;

class DebUploadTest : public testkit::SuiteWithKey {
 protected:
  deb::SourceArtifacts source_package(const std::string& job, const std::string& series) {
    return testkit::tiny_source_package(dir_->path() / job, "calico-upload-test", series);
  }

  config::PublishConfig local_target(const std::filesystem::path& incoming) {
    config::PublishConfig publish;
    publish.dput_method = "local";
    publish.dput_incoming = incoming.string() + "/{owner}/{repo}";
    publish.upload_attempts = 2;
    return publish;
  }

};

TEST_F(DebUploadTest, DputTargetsFollowTheConfiguration) {
  config::PublishConfig launchpad;
  EXPECT_EQ(publish::dput_config(launchpad, "calico-3.4"),
            "[calico-release-bot]\nmethod = ftp\nincoming = ~project-calico/ubuntu/calico-3.4\nfqdn = ppa.launchpad.net\n"
            "login = anonymous\nallow_unsigned_uploads = 0\nrun_lintian = 0\nrun_dinstall = 0\ncheck_version = 0\n");
}

TEST_F(DebUploadTest, UploadsSignedSourcesThenSkipsThemOnARerun) {
  const std::vector<deb::SourceArtifacts> packages = {source_package("xenial", "xenial"), source_package("bionic", "bionic")};
  const auto incoming = dir_->path() / "incoming";
  const config::PublishConfig publish = local_target(incoming);
  const auto target = incoming / "project-calico" / "calico-1.2";
  publish::LocalIncomingArchive archive(target);
  exec::CancelToken cancel;
  sign::Keyring keyring(key_->secret_key, std::nullopt);

  const auto first = publish::upload_sources(packages, keyring, publish, "calico-1.2", archive, dir_->path() / "pub", dir_->path() / "pub.log", cancel);
  EXPECT_EQ(first.uploaded, (std::vector<std::string>{"calico-upload-test_1.2.3-xenial_source.changes",
                                                      "calico-upload-test_1.2.3-bionic_source.changes"}));
  EXPECT_TRUE(first.skipped.empty());
  for (const char* file : {"calico-upload-test_1.2.3-xenial_source.changes", "calico-upload-test_1.2.3-xenial.dsc",
                           "calico-upload-test_1.2.3-xenial.tar.xz", "calico-upload-test_1.2.3-bionic.tar.xz"}) {
    EXPECT_TRUE(std::filesystem::exists(target / file)) << file;
  }
  // What landed is signed and complete.
  const auto verify = testkit::run_process({"/usr/bin/dscverify", "--no-default-keyrings", "--keyring", key_->public_keyring.string(),
                                            (target / "calico-upload-test_1.2.3-xenial_source.changes").string()},
                                           dir_->path(), {"HOME=" + key_->trusted_home.string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;

  const auto again = publish::upload_sources(packages, keyring, publish, "calico-1.2", archive, dir_->path() / "pub", dir_->path() / "pub.log", cancel);
  EXPECT_TRUE(again.uploaded.empty());
  EXPECT_EQ(again.skipped.size(), 2u);
}

// #21 item 13: the archive holds a later build of the same commit (the packaging scripts' nightly,
// stamped with its build time): nothing is uploaded, the log says why, and what is held is what
// the build follows on Launchpad.
TEST_F(DebUploadTest, ALaterBuildOfTheSameSnapshotInTheArchiveCountsAsPublished) {
  const auto incoming = dir_->path() / "incoming-nightly";
  const config::PublishConfig publish = local_target(incoming);
  const auto target = incoming / "project-calico" / "master";
  std::filesystem::create_directories(target);
  testkit::write_file(target / "felix_3.22.0~0.dev.post56+20211216020000+0000+abc1234-focal_source.changes", "uploaded by the scripts\n");
  publish::LocalIncomingArchive archive(target);
  deb::SourceArtifacts ours;
  ours.source = "felix";
  ours.version = "3.22.0~0.dev.post56+20211215101010+0000+abc1234-focal";
  ours.changes = dir_->path() / "felix_3.22.0~0.dev.post56+20211215101010+0000+abc1234-focal_source.changes";
  exec::CancelToken cancel;
  sign::Keyring keyring(key_->secret_key, std::nullopt);
  const auto result = publish::upload_sources({ours}, keyring, publish, "master", archive, dir_->path() / "pub-nightly",
                                              dir_->path() / "pub-nightly.log", cancel);
  EXPECT_TRUE(result.uploaded.empty());
  ASSERT_EQ(result.skipped.size(), 1u);
  EXPECT_EQ(result.held_as.at(ours.changes.filename().string()), "3.22.0~0.dev.post56+20211216020000+0000+abc1234-focal");
  const std::string log = testkit::read_text(dir_->path() / "pub-nightly.log");
  EXPECT_NE(log.find("a later build of the same commit"), std::string::npos) << log;
}

TEST_F(DebUploadTest, APersistentFailureNamesThePackageAndTheLog) {
  const std::vector<deb::SourceArtifacts> packages = {source_package("failing", "trusty")};
  std::filesystem::remove(dir_->path() / "failing" / "calico-upload-test_1.2.3-trusty.tar.xz");  // dput cannot send it
  const config::PublishConfig publish = local_target(dir_->path() / "incoming-fail");
  publish::LocalIncomingArchive archive(dir_->path() / "incoming-fail" / "project-calico" / "master");
  exec::CancelToken cancel;
  sign::Keyring keyring(key_->secret_key, std::nullopt);
  try {
    publish::upload_sources(packages, keyring, publish, "master", archive, dir_->path() / "fail", dir_->path() / "fail.log", cancel);
    FAIL() << "uploaded an incomplete package";
  } catch (const publish::PublishError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("dput of calico-upload-test_1.2.3-trusty_source.changes failed after 2 attempts (exit code ", 0), 0u)
        << e.what();
    EXPECT_NE(std::string(e.what()).find((dir_->path() / "fail.log").string()), std::string::npos);
  }
}

TEST_F(DebUploadTest, AnIncomingThatCannotExistIsNamed) {
  testkit::write_file(dir_->path() / "a-file", "x");
  const config::PublishConfig publish = local_target(dir_->path() / "a-file");
  publish::LocalIncomingArchive archive(dir_->path() / "nowhere");
  exec::CancelToken cancel;
  sign::Keyring keyring(key_->secret_key, std::nullopt);
  try {
    publish::upload_sources({}, keyring, publish, "master", archive, dir_->path() / "fail2", dir_->path() / "fail2.log", cancel);
    FAIL();
  } catch (const publish::PublishError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("cannot create the dput incoming directory " + (dir_->path() / "a-file").string(), 0), 0u) << e.what();
  }
}
