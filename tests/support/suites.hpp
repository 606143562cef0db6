// Test-suite bases that make their expensive fixtures once per suite: a scratch directory, a
// signing key, and (for the build suites) the Calico-shaped repositories.
#pragma once

#include <gtest/gtest.h>

#include "tests/support/calico_fixtures.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/gpg_fixture.hpp"

namespace calico::testkit {

class SuiteWithKey : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  static ScratchDir* dir_;
  static GpgFixture* key_;
};

class SuiteWithFixtures : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  static ScratchDir* dir_;
  static CalicoFixtures* fixtures_;
};

}  // namespace calico::testkit
