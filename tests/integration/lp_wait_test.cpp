// `calico-release-bot lp-wait` against the Launchpad stand-in, and publish storing watches.
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/fake_launchpad.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/process.hpp"

using namespace calico;
using namespace std::chrono_literals;

class LpWaitTest : public ::testing::Test {
 protected:
  LpWaitTest() {
    testkit::write_file(dir_.path() / "bot.toml", "[launchpad]\napi_root = \"" + fake_.api_root() +
                                                      "\"\nmin_interval_ms = 0\npoll_first_seconds = 1\npoll_max_seconds = 1\n");
  }
  std::vector<std::string> argv(std::vector<std::string> extra) {
    std::vector<std::string> args{CALICO_BOT_BINARY, "lp-wait", "--config", (dir_.path() / "bot.toml").string(),
                                  "--ppa", "project-calico/calico-3.4", "--source", "felix", "--version", "3.4.1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  testkit::ScratchDir dir_;
  testkit::FakeLaunchpad fake_;
};

TEST_F(LpWaitTest, ExitsZeroOnceEverySeriesIsPublishedPrintingProgress) {
  fake_.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial", "Published", {{"amd64", "Currently building"}}});
  fake_.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-bionic", "bionic", "Published",
                    {{"amd64", "Successfully built"}}, {{"amd64", "Published"}}});
  testkit::ChildProcess wait(argv({"--series", "xenial", "--series", "bionic", "--timeout", "60"}), dir_.path() / "out.txt");
  testkit::wait_for_text(dir_.path() / "out.txt", "felix 3.4.1-xenial (xenial): building", 10s);
  EXPECT_FALSE(wait.wait(500ms)) << "xenial is still building";
  fake_.set_build("felix", "3.4.1-xenial", {"amd64", "Successfully built"});
  fake_.set_binary("felix", "3.4.1-xenial", {"amd64", "Published"});
  const auto code = wait.wait(20s);
  const std::string output = testkit::read_file(dir_.path() / "out.txt");
  ASSERT_TRUE(code) << output;
  EXPECT_EQ(*code, 0) << output;
  EXPECT_NE(output.find("felix 3.4.1-bionic (bionic): published"), std::string::npos) << output;
  EXPECT_NE(output.find("felix 3.4.1-xenial (xenial): published"), std::string::npos) << output;
  EXPECT_NE(output.find("Published.\n"), std::string::npos);
}

TEST_F(LpWaitTest, AFailedBuildExitsFiveWithTheReason) {
  fake_.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial", "Published",
                    {{"amd64", "Failed to build", "https://launchpad.test/buildlog.txt.gz"}}});
  const auto result = testkit::run_process(argv({"--series", "xenial", "--timeout", "30"}), dir_.path());
  EXPECT_EQ(result.exit_code, 5) << result.output;
  EXPECT_NE(result.output.find("felix 3.4.1-xenial failed: amd64: Failed to build (https://launchpad.test/buildlog.txt.gz)"),
            std::string::npos)
      << result.output;
}

TEST_F(LpWaitTest, GivesUpAtTheTimeout) {
  const auto started = std::chrono::steady_clock::now();
  const auto result = testkit::run_process(argv({"--series", "trusty", "--timeout", "2"}), dir_.path());
  EXPECT_EQ(result.exit_code, 5) << result.output;
  EXPECT_NE(result.output.find("not published after 2 s"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("3.4.1-trusty: waiting"), std::string::npos) << result.output;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 15s);
}

TEST_F(LpWaitTest, BadArgumentsAreRefused) {
  const auto bad = testkit::run_process({CALICO_BOT_BINARY, "lp-wait", "--ppa", "calico-3.4", "--source", "felix", "--version", "1"},
                                        dir_.path());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("--ppa must be OWNER/NAME, got \"calico-3.4\""), std::string::npos) << bad.output;
  const auto missing = testkit::run_process({CALICO_BOT_BINARY, "lp-wait", "--ppa", "a/b"}, dir_.path());
  EXPECT_EQ(missing.exit_code, 2);
}
