// The docker executor and the build images against a real Docker engine: commands run in the
// image as the calling user, with HOME in the workspace and no network; exit codes, logs,
// timeouts and cancellations reach the container; images are built once per recipe.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "builders/exec/build_image.hpp"
#include "builders/exec/executor.hpp"
#include "tests/docker/docker_engine.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using namespace calico::builders::exec;
using namespace std::chrono_literals;

namespace {

// The containers this process's jobs started, running or not.
std::string job_containers() {
  return testkit::docker_output({"ps", "--all", "--quiet", "--filter",
                                 std::string("label=") + kJobContainerLabel + "=" + std::to_string(::getpid())});
}

class DockerExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string reason = testkit::docker_unavailable_reason();
    ASSERT_TRUE(reason.empty()) << reason;
  }
  std::filesystem::path log() const { return dir_.path() / "job.log"; }
  // The base image is the platform's image here: prefix "local/debian:" + platform "bookworm".
  DockerExecutor executor() const { return DockerExecutor({"docker", "local/debian:", dir_.path()}); }

  testkit::ScratchDir dir_;
  CancelToken cancel_;
};

}  // namespace

TEST_F(DockerExecutorTest, RunsAsTheCallingUserWithHomeInTheWorkspaceAndNoNetwork) {
  DockerExecutor docker = executor();
  const std::filesystem::path made = dir_.path() / "made-inside";
  EXPECT_TRUE(docker.run_in_container({{"id", "-u"}}, "bookworm", log(), cancel_).ok());
  EXPECT_TRUE(docker.run_in_container({{"printenv", "HOME"}}, "bookworm", log(), cancel_).ok());
  EXPECT_TRUE(docker.run_in_container({{"ls", "/sys/class/net"}}, "bookworm", log(), cancel_).ok());
  EXPECT_TRUE(docker.run_in_container({{"touch", made.string()}, dir_.path()}, "bookworm", log(), cancel_).ok());

  const std::string text = testkit::read_text(log());
  EXPECT_NE(text.find("\n" + std::to_string(::getuid()) + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n" + (dir_.path() / ".home").string() + "\n"), std::string::npos) << text;
  // --network none: the loopback interface only.
  EXPECT_NE(text.find("$ docker create"), std::string::npos) << text;
  EXPECT_NE(text.find("\nlo\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("eth0"), std::string::npos) << text;
  struct stat info {};
  ASSERT_EQ(::stat(made.c_str(), &info), 0) << "the file a container wrote is not in the mounted workspace";
  EXPECT_EQ(info.st_uid, ::getuid());
  EXPECT_EQ(info.st_gid, ::getgid());
  EXPECT_EQ(job_containers(), "") << "every container is removed after its command";
}

TEST_F(DockerExecutorTest, TheCommandsExitCodeAndOutputAreTheJobs) {
  DockerExecutor docker = executor();
  const ProcessResult failed = docker.run_in_container({{"ls", "/no/such/path"}}, "bookworm", log(), cancel_);
  EXPECT_EQ(failed.exit_code, 2);
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(testkit::read_text(log()).find("/no/such/path"), std::string::npos) << "ls's complaint reaches the job log";
  ProcessSpec with_path{{"printenv", "PATH"}};
  with_path.path_first = {dir_.path() / "tools"};
  EXPECT_TRUE(docker.run_in_container(with_path, "bookworm", log(), cancel_).ok());
  EXPECT_NE(testkit::read_text(log()).find((dir_.path() / "tools").string() + ":/usr/local/sbin:"), std::string::npos);
  const ProcessResult missing = DockerExecutor({"docker", "calico-test/no-such-image:", dir_.path()})
                                    .run_in_container({{"true"}}, "none", log(), cancel_);
  EXPECT_FALSE(missing.ok()) << "a missing image fails the job";
}

TEST_F(DockerExecutorTest, ACancelledJobLeavesNoContainerBehind) {
  DockerExecutor docker = executor();
  ProcessResult result;
  // It ignores SIGTERM, as a wedged build may: the client is killed after its grace period and
  // the container must still go.
  std::thread job([&] {
    result = docker.run_in_container({{"perl", "-e", "$SIG{TERM} = 'IGNORE'; sleep 300"}}, "bookworm", log(), cancel_);
  });
  const bool started = testkit::eventually([] { return !job_containers().empty(); }, 60s);
  cancel_.cancel();
  job.join();
  ASSERT_TRUE(started) << testkit::read_text(log());
  EXPECT_TRUE(result.cancelled);
  EXPECT_LT(result.elapsed, 60s);
  EXPECT_EQ(job_containers(), "") << testkit::read_text(log());
}

TEST_F(DockerExecutorTest, ATimedOutJobLeavesNoContainerBehind) {
  DockerExecutor docker = executor();
  ProcessSpec command{{"sleep", "300"}};
  command.timeout = 3s;
  const ProcessResult result = docker.run_in_container(command, "bookworm", log(), cancel_);
  EXPECT_TRUE(result.timed_out);
  EXPECT_LT(result.elapsed, 60s);
  EXPECT_EQ(job_containers(), "") << testkit::read_text(log());
}

TEST_F(DockerExecutorTest, AnImageIsBuiltOncePerRecipe) {
  const std::filesystem::path dockerfile = dir_.path() / "context" / "test.Dockerfile";
  std::filesystem::create_directories(dockerfile.parent_path());
  std::ofstream(dockerfile) << "ARG BASE=debian:12\nFROM ${BASE}\nRUN echo one > /recipe\n";
  const std::string tag = "calico-test/recipe-" + std::to_string(::getpid());
  const ImageRecipe recipe{"docker", dockerfile, tag, testkit::kDockerBaseImage, 300s};

  EXPECT_EQ(ensure_image(recipe, log(), cancel_), "built");
  EXPECT_EQ(ensure_image(recipe, log(), cancel_), "up to date");
  DockerExecutor in_image({"docker", "calico-test/", dir_.path()});
  EXPECT_TRUE(in_image.run_in_container({{"cat", "/recipe"}}, "recipe-" + std::to_string(::getpid()), log(), cancel_).ok());

  std::ofstream(dockerfile) << "ARG BASE=debian:12\nFROM ${BASE}\nRUN echo two > /recipe\n";
  EXPECT_EQ(ensure_image(recipe, log(), cancel_), "built") << "a changed Dockerfile is a new recipe";
  ImageRecipe broken = recipe;
  std::ofstream(dockerfile) << "ARG BASE=debian:12\nFROM ${BASE}\nRUN false\n";
  const std::string containers_before = testkit::docker_output({"ps", "--all", "--quiet", "--no-trunc"});
  try {
    ensure_image(broken, log(), cancel_);
    ADD_FAILURE() << "a failing docker build must throw";
  } catch (const ImageError& e) {
    EXPECT_NE(std::string(e.what()).find("docker build of test.Dockerfile FROM local/debian:bookworm failed"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(testkit::docker_output({"ps", "--all", "--quiet", "--no-trunc"}), containers_before)
      << "the failed step's container is removed with the build";
  testkit::docker_output({"image", "rm", "--force", tag});
}
