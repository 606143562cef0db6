// builders::exec: real processes, their logs, timeouts and cancellation.
#include <gtest/gtest.h>

#include <thread>

#include "builders/exec/executor.hpp"
#include "builders/exec/executors.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/process.hpp"

using namespace calico;
using namespace calico::builders::exec;
using namespace std::chrono_literals;

class CommandTest : public ::testing::Test {
 protected:
  std::filesystem::path log() const { return dir_.path() / "job.log"; }
  testkit::ScratchDir dir_;
  CancelToken cancel_;
};

TEST_F(CommandTest, OutputAndExitCodeGoToTheLog) {
  const ProcessResult ok = run_process({{"printf", "%s\\n", "hello world"}}, log(), cancel_);
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.exit_code, 0);
  const ProcessResult failed = run_process({{"ls", "/no/such/path"}}, log(), cancel_);
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.exit_code, 2);
  EXPECT_EQ(failed.describe(), "exit code 2");
  const std::string text = testkit::read_text(log());
  EXPECT_EQ(text.rfind("$ printf '%s\\n' 'hello world'\nhello world\n$ ls /no/such/path\n", 0), 0u) << text;
  EXPECT_NE(text.find("# exit code 2\n"), std::string::npos);
}

TEST_F(CommandTest, ArgumentsAreNeverInterpretedByAShell) {
  const std::string hostile = "$(touch " + (dir_.path() / "pwned").string() + "); `id`; | &";
  EXPECT_TRUE(run_process({{"printf", "%s", hostile}}, log(), cancel_).ok());
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "pwned"));
  EXPECT_NE(testkit::read_text(log()).find(hostile), std::string::npos);
}

TEST_F(CommandTest, WorkingDirectoryAndEnvironment) {
  std::filesystem::create_directories(dir_.path() / "work");
  ProcessSpec command{{"sh", "-c", "pwd; echo \"$CALICO_TEST_VALUE\""}, dir_.path() / "work", {"CALICO_TEST_VALUE=42"}};
  EXPECT_TRUE(run_process(command, log(), cancel_).ok());
  const std::string text = testkit::read_text(log());
  EXPECT_NE(text.find((dir_.path() / "work").string() + "\n42\n"), std::string::npos) << text;
}

TEST_F(CommandTest, TimeoutKillsTheWholeProcessGroup) {
  const auto pid_file = dir_.path() / "child.pid";
  ProcessSpec command{{"sh", "-c", "sleep 30 & echo $! > " + pid_file.string() + "; wait"}, {}, {}, 1s};
  const ProcessResult result = run_process(command, log(), cancel_);
  EXPECT_TRUE(result.timed_out);
  EXPECT_FALSE(result.ok());
  EXPECT_LT(result.elapsed, 5s);
  const pid_t child = std::stoi(testkit::read_text(pid_file));
  // Gone, or a zombie waiting for whoever inherited it: either way no longer running.
  const bool gone = testkit::eventually([&] {
    const std::string stat = testkit::read_file("/proc/" + std::to_string(child) + "/stat");
    return stat.empty() || stat.find(") Z ") != std::string::npos;
  }, 1s);
  EXPECT_TRUE(gone) << "the grandchild sleep survived";
  EXPECT_NE(testkit::read_text(log()).find("# timed out"), std::string::npos);
}

TEST_F(CommandTest, CancellationStopsRunningCommandsAndLaterOnes) {
  std::thread canceller([&] {
    // Once the command runs (its "$ argv" line is in the log).
    testkit::eventually([&] { return testkit::read_file(log()).find("$ sleep 30") != std::string::npos; });
    cancel_.cancel();
  });
  const ProcessResult result = run_process({{"sleep", "30"}}, log(), cancel_);
  canceller.join();
  EXPECT_TRUE(result.cancelled);
  EXPECT_LT(result.elapsed, 5s);
  const ProcessResult later = run_process({{"true"}}, log(), cancel_);
  EXPECT_TRUE(later.cancelled);
  EXPECT_NE(testkit::read_text(log()).find("# not started: the run was cancelled"), std::string::npos);
}

TEST_F(CommandTest, ACancelledCommandThatIgnoresSigtermIsKilledAfterTheGracePeriod) {
  ProcessResult result;
  std::thread job([&] {
    result = run_process({{"perl", "-e", "$SIG{TERM} = 'IGNORE'; $| = 1; print \"handler set: \", 40 + 2, \"\\n\"; sleep 300"}}, log(), cancel_);
  });
  // Cancelled only once perl says its handler is set (a loaded machine may take its time); the
  // log also holds the command line, so the sign is a sum perl works out.
  const bool started = testkit::eventually([&] { return testkit::read_file(log()).find("handler set: 42") != std::string::npos; }, 30s);
  cancel_.cancel();
  job.join();
  ASSERT_TRUE(started);
  EXPECT_TRUE(result.cancelled);
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_LT(result.elapsed, 20s);
}

TEST_F(CommandTest, AMissingProgramIsReportedNotThrown) {
  const ProcessResult result = run_process({{"calico-no-such-program"}}, log(), cancel_);
  EXPECT_TRUE(result.failed_to_start);
  EXPECT_EQ(result.describe(), "could not start: calico-no-such-program: No such file or directory");
}

TEST_F(CommandTest, LocalExecutorRunsOnThisHost) {
  LocalExecutor local;
  EXPECT_TRUE(local.open({"felix/xenial", "xenial"})->run({{"true"}}, log(), cancel_).ok());
}

TEST(ExecutorTable, EachNameMakesItsExecutorAndAnUnknownNameIsRefusedNamingTheKnownOnes) {
  config::PublishConfig publish;
  publish.executor = "local";
  const auto local = make_executor(publish);
  EXPECT_TRUE(local->builds_on_host());
  publish.executor = "docker";
  const auto docker = make_executor(publish);
  EXPECT_FALSE(docker->builds_on_host()) << "jobs run in the platform's image";
  EXPECT_EQ(docker->name(), "docker");
  EXPECT_EQ(local->images(), builders::exec::ImageSource::none);
  EXPECT_EQ(docker->images(), builders::exec::ImageSource::built_here);
  publish.executor = "podman";
  try {
    make_executor(publish);
    ADD_FAILURE() << "an unknown executor was made";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "publish.executor: \"podman\" is not an executor (known: local, docker, kubernetes)");
  }
}

TEST_F(CommandTest, ASessionRunsItsJobsCommandsInOrder) {
  LocalExecutor local;
  const auto session = local.open({"felix/xenial", "xenial"});
  const std::filesystem::path marker = log().parent_path() / "order";
  EXPECT_TRUE(session->run({{"sh", "-c", "echo first >> \"$0\"", marker.string()}}, log(), cancel_).ok());
  EXPECT_TRUE(session->run({{"sh", "-c", "echo second >> \"$0\"", marker.string()}}, log(), cancel_).ok());
  EXPECT_EQ(testkit::read_text(marker), "first\nsecond\n");
}

TEST(DockerExecutor, WrapsTheCommandInTheSamePathsAsTheCallingUserWithoutNetwork) {
  DockerExecutor docker({"docker", "calico-build/", "/srv/workspace"});
  ProcessSpec command{{"dpkg-buildpackage", "-S", "-d"}, "/srv/workspace/felix", {"DEB_BUILD_OPTIONS=nocheck"}, 600s};
  command.path_first = {"/srv/workspace/build-1/tools"};
  const ProcessSpec wrapped = docker.create_command(command, "xenial", "calico-job-1-0");
  const std::string uid_gid = std::to_string(::getuid()) + ":" + std::to_string(::getgid());
  EXPECT_EQ(wrapped.argv,
            (std::vector<std::string>{"docker", "create", "--init", "--name", "calico-job-1-0", "--label",
                                      std::string(kJobContainerLabel) + "=" + std::to_string(::getpid()), "--network", "none",
                                      "--user", uid_gid, "--volume", "/srv/workspace:/srv/workspace", "--env",
                                      "HOME=/srv/workspace/.home", "--env",
                                      "PATH=/srv/workspace/build-1/tools:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                      "--env", "DEB_BUILD_OPTIONS=nocheck", "--workdir", "/srv/workspace/felix",
                                      "calico-build/xenial", "dpkg-buildpackage", "-S", "-d"}));
  EXPECT_TRUE(wrapped.cwd.empty());
  const ProcessSpec start = docker.start_command(command, "calico-job-1-0");
  EXPECT_EQ(start.argv, (std::vector<std::string>{"docker", "start", "--attach", "calico-job-1-0"}));
  EXPECT_EQ(start.timeout, 600s) << "the job's timeout is the run's, not the creation's";
}

TEST(QuoteForLog, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(quote_for_log({"dput", "ppa:project-calico/calico-3.4", "felix_3.4.1-xenial_source.changes"}),
            "dput ppa:project-calico/calico-3.4 felix_3.4.1-xenial_source.changes");
  EXPECT_EQ(quote_for_log({"echo", "it's", ""}), "echo 'it'\\''s' ''");
}
