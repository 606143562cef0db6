#include "tests/support/suites.hpp"

namespace calico::testkit {

ScratchDir* SuiteWithKey::dir_ = nullptr;
GpgFixture* SuiteWithKey::key_ = nullptr;

void SuiteWithKey::SetUpTestSuite() {
  dir_ = new ScratchDir();
  key_ = new GpgFixture(make_gpg_key(dir_->path() / "key"));
}

void SuiteWithKey::TearDownTestSuite() {
  testkit::remove_gpg_home(key_->verify_home);
  delete key_;
  delete dir_;
  key_ = nullptr;
  dir_ = nullptr;
}

ScratchDir* SuiteWithFixtures::dir_ = nullptr;
CalicoFixtures* SuiteWithFixtures::fixtures_ = nullptr;

void SuiteWithFixtures::SetUpTestSuite() {
  dir_ = new ScratchDir();
  fixtures_ = new CalicoFixtures(make_calico_fixtures(dir_->path() / "upstream"));
}

void SuiteWithFixtures::TearDownTestSuite() {
  delete fixtures_;
  delete dir_;
  fixtures_ = nullptr;
  dir_ = nullptr;
}

}  // namespace calico::testkit
