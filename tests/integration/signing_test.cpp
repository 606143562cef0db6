// Signing with gpgme in a private keyring, checked by the real verifiers: gpg --verify,
// dpkg-source --require-valid-signature, dscverify (signatures and every checksum in the .changes).
#include <gtest/gtest.h>

#include "builders/deb/source_package.hpp"
#include "builders/sign/changes.hpp"
#include "tests/support/calico_fixtures.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/suites.hpp"
#include "tests/support/gpg_fixture.hpp"
#include "tests/support/process.hpp"

using namespace calico;
using namespace calico::builders;

class SigningTest : public testkit::SuiteWithKey {
 protected:
  deb::SourceArtifacts source_package(const std::string& job) {
    return testkit::tiny_source_package(dir_->path() / job, "calico-sign-test", "xenial");
  }

  testkit::RunResult gpg_verify(const std::filesystem::path& file) {
    return testkit::run_process({"/usr/bin/gpg", "--batch", "--homedir", key_->verify_home.string(), "--verify", file.string()},
                                dir_->path());
  }

};

TEST_F(SigningTest, SignedSourcePackagePassesEveryVerifier) {
  const deb::SourceArtifacts built = source_package("deb");
  {
    sign::Keyring keyring(key_->secret_key, std::nullopt);
    EXPECT_EQ(keyring.fingerprint(), key_->fingerprint);
    EXPECT_EQ(std::filesystem::status(keyring.home()).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_all);
    sign::sign_changes(keyring, built.changes);
  }
  EXPECT_EQ(gpg_verify(built.dsc).exit_code, 0);
  EXPECT_EQ(gpg_verify(built.changes).exit_code, 0);
  const auto unpack = testkit::run_process({"/usr/bin/dpkg-source", "--require-valid-signature", "-x", built.dsc.string(),
                                            (dir_->path() / "unpacked").string()},
                                           dir_->path(), {"HOME=" + key_->trusted_home.string()});
  EXPECT_EQ(unpack.exit_code, 0) << unpack.output;
  const auto verify = testkit::run_process({"/usr/bin/dscverify", "--no-default-keyrings", "--keyring",
                                            key_->public_keyring.string(), built.changes.string()},
                                           dir_->path(), {"HOME=" + key_->trusted_home.string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("All files validated successfully"), std::string::npos) << verify.output;
}

TEST_F(SigningTest, TamperingIsCaught) {
  const deb::SourceArtifacts built = source_package("tamper");
  {
    sign::Keyring keyring(key_->secret_key, std::nullopt);
    sign::sign_changes(keyring, built.changes);
  }
  std::string dsc = testkit::read_text(built.dsc);
  dsc.replace(dsc.find("Version: 1.2.3-xenial"), 21, "Version: 1.2.4-xenial");
  testkit::write_file(built.dsc, dsc);
  EXPECT_NE(gpg_verify(built.dsc).exit_code, 0);
}

TEST_F(SigningTest, TheKeyringGoesAwayWithItsKey) {
  std::filesystem::path home;
  {
    sign::Keyring keyring(key_->secret_key, std::nullopt);
    home = keyring.home();
    EXPECT_TRUE(std::filesystem::exists(home));
    EXPECT_NE(keyring.export_public_key().find("-----BEGIN PGP PUBLIC KEY BLOCK-----"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(home));
}

TEST_F(SigningTest, PassphraseProtectedKeysSignWithoutAPrompt) {
  testkit::ScratchDir dir;
  const testkit::GpgFixture protected_key = testkit::make_gpg_key(dir.path() / "key", "correct horse");
  {
    sign::Keyring keyring(protected_key.secret_key, config::Secret("correct horse"));
    const std::string signed_text = keyring.clearsign("hello\n");
    EXPECT_EQ(signed_text.rfind("-----BEGIN PGP SIGNED MESSAGE-----", 0), 0u);
  }
  {
    sign::Keyring keyring(protected_key.secret_key, config::Secret("wrong"));
    EXPECT_THROW(keyring.clearsign("hello\n"), sign::SignError);
  }
  {
    sign::Keyring keyring(protected_key.secret_key, std::nullopt);
    EXPECT_THROW(keyring.clearsign("hello\n"), sign::SignError);
  }
  testkit::remove_gpg_home(protected_key.verify_home);
}

TEST_F(SigningTest, AFileWithoutASecretKeyIsRefused) {
  try {
    sign::Keyring keyring(key_->public_key, std::nullopt);
    FAIL();
  } catch (const sign::SignError& e) {
    EXPECT_EQ(std::string(e.what()), key_->public_key.string() + " holds no secret key (export it with gpg --export-secret-keys)");
  }
  EXPECT_THROW(sign::Keyring(dir_->path() / "missing.asc", std::nullopt), sign::SignError);
}
