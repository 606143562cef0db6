// What a job's process gets from the bot and what it cannot keep (#21 items 6 and 8): no secret
// of the bot's environment, no descriptor of the bot's, and no life after the bot.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "builders/exec/process.hpp"
#include "builders/exec/process_identity.hpp"
#include "builders/sign/keyring.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/process.hpp"

using namespace calico;
using namespace calico::builders::exec;
using namespace std::chrono_literals;

class JobIsolationTest : public ::testing::Test {
 protected:
  std::filesystem::path log() const { return dir_.path() / "job.log"; }
  testkit::ScratchDir dir_;
  CancelToken cancel_;
};

TEST_F(JobIsolationTest, AJobThatPrintsItsEnvironmentFindsNoSecret) {
  // As a { env = … } secret leaves them: in the bot's own environment.
  ::setenv("CALICO_TEST_WEBHOOK_SECRET", "webhook-secret-value-1234", 1);
  ::setenv("GITHUB_TOKEN", "ghp_token-value-5678", 1);
  ::setenv("KUBECONFIG", "kubeconfig-named-as-a-secret", 1);  // on the allow list, but a secret's variable
  withhold_variables({"CALICO_TEST_WEBHOOK_SECRET", "KUBECONFIG"});
  ProcessSpec job{{"env"}};
  job.env = {"VERSION=v3.4.1"};
  ASSERT_TRUE(run_process(job, log(), cancel_).ok());
  const std::string printed = testkit::read_text(log());
  EXPECT_EQ(printed.find("webhook-secret-value-1234"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("ghp_token-value-5678"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("kubeconfig-named-as-a-secret"), std::string::npos) << printed;
  EXPECT_NE(printed.find("\nPATH="), std::string::npos) << "what builds need is there: " << printed;
  EXPECT_NE(printed.find("\nVERSION=v3.4.1\n"), std::string::npos) << "and what the job is given: " << printed;
  withhold_variables({});
}

TEST_F(JobIsolationTest, AJobInheritsNoDescriptorOfTheBot) {
  // A descriptor without close-on-exec, as the listening socket was.
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ASSERT_EQ(::dup2(pipe_fds[1], 57), 57);
  ASSERT_TRUE(run_process({{"ls", "-1", "/proc/self/fd"}}, log(), cancel_).ok());
  const std::string text = testkit::read_text(log());
  std::vector<std::string> fds;
  std::istringstream lines(text.substr(text.find('\n') + 1));
  for (std::string line; std::getline(lines, line);) fds.push_back(line);
  // stdin, stdout, stderr, and the directory ls is reading.
  EXPECT_EQ(fds, (std::vector<std::string>{"0", "1", "2", "3"})) << text;
  ::close(57);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST_F(JobIsolationTest, AJobDiesWithTheBotThatStartedIt) {
  // The "bot": a child process running a job, then killed with SIGKILL mid-job.
  const std::filesystem::path records = dir_.path() / "records";
  const pid_t bot = ::fork();
  if (bot == 0) {
    record_processes_in(records);
    CancelToken never;
    run_process({{"sleep", "300"}}, dir_.path() / "bot-job.log", never);
    ::_exit(0);
  }
  ASSERT_GT(bot, 0);
  // The job's group, from the bot's record of it.
  std::optional<ProcessIdentity> leader;
  ASSERT_TRUE(testkit::eventually([&] {
    if (!std::filesystem::is_directory(records)) return false;
    for (const auto& entry : std::filesystem::directory_iterator(records)) {
      std::ifstream in(entry.path());
      std::string owner, group;
      std::getline(in, owner);
      std::getline(in, group);
      leader = ProcessIdentity::parse(group);
    }
    return leader && group_members(leader->pid, leader->start_ticks).size() >= 2;  // guardian and sleep
  }));
  ::kill(bot, SIGKILL);
  int status = 0;
  ::waitpid(bot, &status, 0);
  EXPECT_TRUE(testkit::eventually([&] { return group_members(leader->pid, leader->start_ticks).empty(); }, 10s))
      << "the job outlived the bot";
}

TEST_F(JobIsolationTest, AStartEndsTheProcessGroupsOfABotThatIsGone) {
  // A group a crashed bot left (its guardian gone too): "sleep" in its own process group.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  char sleep_path[] = "/bin/sleep";
  char seconds[] = "300";
  char* argv[] = {sleep_path, seconds, nullptr};
  pid_t orphan = 0;
  ASSERT_EQ(::posix_spawn(&orphan, sleep_path, nullptr, &attributes, argv, environ), 0);
  posix_spawnattr_destroy(&attributes);
  const std::optional<ProcessIdentity> orphan_identity = identity_of(orphan);
  ASSERT_TRUE(orphan_identity);
  const std::filesystem::path records = dir_.path() / "records";
  std::filesystem::create_directories(records);
  // Its bot: a pid that is not running (or not the process that wrote this).
  const ProcessIdentity gone{::getpid(), self_identity().start_ticks + 1};
  testkit::write_file(records / "gone", gone.to_text() + "\n" + orphan_identity->to_text() + "\n");
  // A group of a bot still running (this test process) is not touched.
  testkit::write_file(records / "alive", self_identity().to_text() + "\n" + orphan_identity->to_text() + "\n");
  std::filesystem::remove(records / "gone");
  EXPECT_EQ(end_orphaned_processes(records), 0u);
  EXPECT_TRUE(orphan_identity->alive());
  std::filesystem::remove(records / "alive");
  testkit::write_file(records / "gone", gone.to_text() + "\n" + orphan_identity->to_text() + "\n");
  EXPECT_EQ(end_orphaned_processes(records), 1u);
  int status = 0;
  ASSERT_EQ(::waitpid(orphan, &status, 0), orphan);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_FALSE(std::filesystem::exists(records / "gone")) << "its record is forgotten";
}

TEST_F(JobIsolationTest, AStartRemovesTheGnuPGHomesOfABotThatIsGone) {
  const std::filesystem::path parent = dir_.path() / "tmp";
  std::filesystem::create_directories(parent / "calico-gnupg-gone");
  std::filesystem::create_directories(parent / "calico-gnupg-mine");
  std::filesystem::create_directories(parent / "something-else");
  const ProcessIdentity gone{::getpid(), self_identity().start_ticks + 1};
  testkit::write_file(parent / "calico-gnupg-gone" / "owner", gone.to_text() + "\n");
  testkit::write_file(parent / "calico-gnupg-gone" / "private-keys", "the key");
  testkit::write_file(parent / "calico-gnupg-mine" / "owner", self_identity().to_text() + "\n");
  EXPECT_EQ(builders::sign::Keyring::remove_orphaned_homes(parent), 1u);
  EXPECT_FALSE(std::filesystem::exists(parent / "calico-gnupg-gone"));
  EXPECT_TRUE(std::filesystem::exists(parent / "calico-gnupg-mine"));
  EXPECT_TRUE(std::filesystem::exists(parent / "something-else"));
}
