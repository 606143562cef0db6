// The kubernetes executor against the fake API server (tests/support/fake_kubernetes): a job's
// commands in one Pod, logs followed (and resumed after a drop without repeats), exit codes,
// cancellation, timeouts and a Pod that never starts all leaving no Job and no Pod; 429 and 5xx
// retried; a watch past the retained history listed again; a build's leftovers found by label
// and removed; TLS with the cluster CA and a client certificate (HAProxy in front); and the real
// kubectl listing the bot's Jobs from the fake.
#include <gtest/gtest.h>

#include <unistd.h>

#include <thread>

#include <boost/json/serialize.hpp>

#include "builders/exec/executors.hpp"
#include "builders/exec/kubernetes/kubernetes_executor.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fake_kubernetes.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/process.hpp"
#include "tests/support/tls_front.hpp"

using namespace calico;
namespace k8s = calico::builders::exec::kubernetes;
using builders::exec::CancelToken;
using builders::exec::ProcessSpec;

namespace {

// kubectl as the shell would find it: Kubernetes' own build or Debian's kubernetes-client.
std::string kubectl() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    const std::filesystem::path candidate = std::filesystem::path(dirs.substr(start, colon - start)) / "kubectl";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = colon + 1;
  }
  return "/usr/bin/kubectl";
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace

class KubernetesExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.write_kubeconfig(dir_.path() / "kubeconfig", "builds");
    std::filesystem::create_directories(dir_.path() / "work" / "sub");
  }

  k8s::KubernetesSettings settings() {
    k8s::KubernetesSettings s;
    s.workspace = dir_.path() / "work";
    s.build = 7;
    s.replica = "host-1234abcd";
    s.start_timeout = std::chrono::seconds(20);
    s.run_as_user = 1000;  // the restricted profile refuses root, and tests may run as root
    s.run_as_group = 1000;
    return s;
  }
  std::unique_ptr<k8s::KubernetesExecutor> executor(k8s::KubernetesSettings s) {
    k8s::RetryPolicy fast;
    fast.first_backoff = std::chrono::milliseconds(50);
    auto api = std::make_shared<k8s::ApiClient>(k8s::kubeconfig_access((dir_.path() / "kubeconfig").string()), fast);
    return std::make_unique<k8s::KubernetesExecutor>(std::move(api), std::move(s));
  }
  bool nothing_left() { return fake_.job_names().empty() && fake_.pod_count() == 0 && fake_.running_containers() == 0; }

  testkit::ScratchDir dir_;
  testkit::FakeKubernetes fake_;
  CancelToken never_;
};

TEST_F(KubernetesExecutorTest, AJobsCommandsRunInOrderInOnePodAndTheJobIsGoneAfterwards) {
  auto kube = executor(settings());
  EXPECT_EQ(kube->name_space(), "builds") << "the kubeconfig context's namespace";
  const auto log = dir_.path() / "job.log";
  const auto work = dir_.path() / "work";
  {
    auto session = kube->open({"felix/xenial", "xenial"});
    const auto first = session->run({{"/bin/sh", "-c", "echo one; echo two >&2; printf 'no newline'"}, work, {}, std::chrono::seconds(60)}, log, never_);
    EXPECT_TRUE(first.ok()) << first.describe() << testkit::read_file(log);
    // Arguments arrive as they are: no shell sees them.
    const auto second = session->run({{"/bin/sh", "-c", "printf '%s|' \"$@\"; echo; pwd; echo \"A=$A HOME=$HOME MARK=${CALICO_JOB_MARK-unset}\"; exit 3",
                                       "sh", "it's $(not) run", "two words", "*"},
                                      work / "sub", {"A=from the job"}, std::chrono::seconds(60)},
                                     log, never_);
    EXPECT_EQ(second.exit_code, 3);
    EXPECT_FALSE(second.ok());
    ASSERT_EQ(fake_.job_names().size(), 1u) << "one Job for the whole session";
    EXPECT_EQ(fake_.created_jobs().size(), 1u);
  }
  EXPECT_TRUE(nothing_left());
  const std::string text = testkit::read_file(log);
  EXPECT_NE(text.find("one\ntwo\nno newline"), std::string::npos) << text;
  EXPECT_NE(text.find("it's $(not) run|two words|*|"), std::string::npos) << text;
  EXPECT_NE(text.find((work / "sub").string() + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("A=from the job HOME=" + (work / ".home").string() + " MARK=unset"), std::string::npos) << text;
  EXPECT_EQ(text.find("@@calico-job-"), std::string::npos) << "markers never reach the log: " << text;
  EXPECT_LT(text.find("one\n"), text.find("two words")) << "in order";
  EXPECT_EQ(fake_.last_authorization(), "Bearer t0ken");
  // The Job as sent: labels find it again, the Pod runs the runner on the workspace claim.
  const auto job = fake_.created_jobs().front();
  EXPECT_EQ(job.at("metadata").at("labels").at("calico-release-bot/build").as_string(), "7");
  EXPECT_EQ(job.at("metadata").at("labels").at("calico-release-bot/replica").as_string(), "host-1234abcd");
  EXPECT_EQ(job.at("spec").at("template").at("spec").at("containers").at(0).at("image").as_string(), "calico-build/xenial");
  EXPECT_EQ(job.at("spec").at("backoffLimit").as_int64(), 0);
}

TEST_F(KubernetesExecutorTest, ACancelledCommandDeletesTheJobWithItsPod) {
  auto kube = executor(settings());
  const auto log = dir_.path() / "job.log";
  CancelToken cancel;
  builders::exec::ProcessResult result;
  std::thread running([&] {
    auto session = kube->open({"felix/xenial", "xenial"});
    result = session->run({{"/bin/sleep", "60"}, dir_.path() / "work", {}, std::chrono::seconds(120)}, log, cancel);
  });
  // Cancelled once the command runs in the Pod (the bot has seen the Pod Running).
  ASSERT_TRUE(testkit::eventually(
      [&] { return fake_.running_containers() == 1 && testkit::read_file(log).find(" Running\n") != std::string::npos; },
      std::chrono::seconds(20)));
  cancel.cancel();
  running.join();
  EXPECT_TRUE(result.cancelled);
  EXPECT_TRUE(nothing_left()) << "the Job, its Pod and the process are gone when run returns";
  EXPECT_NE(testkit::read_file(log).find("deleted, its Pod gone"), std::string::npos) << testkit::read_file(log);
}

TEST_F(KubernetesExecutorTest, ATimedOutCommandLeavesNoJob) {
  auto kube = executor(settings());
  const auto log = dir_.path() / "job.log";
  auto session = kube->open({"felix/xenial", "xenial"});
  const auto result = session->run({{"/bin/sleep", "60"}, dir_.path() / "work", {}, std::chrono::seconds(2)}, log, never_);
  EXPECT_TRUE(result.timed_out) << result.describe();
  EXPECT_TRUE(nothing_left());
  // The session is spent: a later command says why instead of starting another Pod.
  const auto after = session->run({{"/bin/true"}, dir_.path() / "work", {}, std::chrono::seconds(5)}, log, never_);
  EXPECT_FALSE(after.ok());
  EXPECT_EQ(fake_.created_jobs().size(), 1u);
}

TEST_F(KubernetesExecutorTest, ThePodsDeadlineEndsTheCommandAsTimedOut) {
  auto s = settings();
  s.deadline = std::chrono::seconds(2);
  auto kube = executor(s);
  const auto log = dir_.path() / "job.log";
  {
    auto session = kube->open({"felix/xenial", "xenial"});
    const auto result = session->run({{"/bin/sleep", "60"}, dir_.path() / "work", {}, std::chrono::seconds(60)}, log, never_);
    EXPECT_TRUE(result.timed_out) << result.describe() << testkit::read_file(log);
    EXPECT_NE(testkit::read_file(log).find("DeadlineExceeded"), std::string::npos) << testkit::read_file(log);
  }
  EXPECT_TRUE(nothing_left());
}

TEST_F(KubernetesExecutorTest, APodThatNeverStartsFailsTheJobNamingWhyAndLeavesNothing) {
  auto s = settings();
  s.start_timeout = std::chrono::seconds(2);
  fake_.make_unpullable("calico-build/xenial");
  auto kube = executor(s);
  const auto log = dir_.path() / "job.log";
  {
    auto session = kube->open({"felix/xenial", "xenial"});
    const auto result = session->run({{"/bin/true"}, dir_.path() / "work", {}, std::chrono::seconds(60)}, log, never_);
    EXPECT_TRUE(result.failed_to_start);
    EXPECT_NE(result.start_error.find("ErrImagePull"), std::string::npos) << result.start_error;
  }
  EXPECT_TRUE(nothing_left());
}

TEST_F(KubernetesExecutorTest, TooManyRequestsAndServerErrorsAreRetried) {
  auto kube = executor(settings());
  const auto log = dir_.path() / "job.log";
  fake_.fail_next(429, 2, 1);
  {
    auto session = kube->open({"felix/xenial", "xenial"});
    const auto result = session->run({{"/bin/echo", "made it"}, dir_.path() / "work", {}, std::chrono::seconds(60)}, log, never_);
    EXPECT_TRUE(result.ok()) << result.describe() << testkit::read_file(log);
    fake_.fail_next(503, 2, 0);
  }
  EXPECT_EQ(fake_.answered(429), 2u);
  EXPECT_EQ(fake_.answered(503), 2u);
  EXPECT_TRUE(nothing_left()) << "the deletion was retried too";
}

TEST_F(KubernetesExecutorTest, ADroppedLogStreamResumesWithoutRepeatsAndAnExpiredWatchListsAgain) {
  auto kube = executor(settings());
  const auto log = dir_.path() / "job.log";
  {
    auto session = kube->open({"felix/xenial", "xenial"});
    std::thread disrupt([&] {
      testkit::eventually([&] { return testkit::read_file(log).find("line 3\n") != std::string::npos; }, std::chrono::seconds(20));
      fake_.drop_log_streams();
      fake_.expire_history();
      fake_.end_watches();
    });
    const auto result = session->run(
        {{"/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do echo line $i; sleep 0.3; done"}, dir_.path() / "work", {}, std::chrono::seconds(60)},
        log, never_);
    disrupt.join();
    EXPECT_TRUE(result.ok()) << result.describe();
  }
  const std::string text = testkit::read_file(log);
  for (int i = 1; i <= 8; ++i) EXPECT_EQ(count_of(text, "line " + std::to_string(i) + "\n"), 1u) << i << ": " << text;
  EXPECT_GE(fake_.log_streams(), 2u) << "the follow was resumed";
  EXPECT_GE(fake_.expired_watches(), 1u) << "the watch met 410 Gone";
  EXPECT_TRUE(nothing_left());
}

TEST_F(KubernetesExecutorTest, LeftoversOfABuildAreFoundByLabelAndRemoved) {
  // What a replica that died mid-build left: a running Job of build 7 (and one of build 8).
  auto dead = executor(settings());
  auto other_settings = settings();
  other_settings.build = 8;
  auto other = executor(other_settings);
  CancelToken stop;
  // Declared in this order so that, whatever an assertion does, the commands are stopped, then
  // their threads joined, then the sessions closed.
  std::vector<std::unique_ptr<builders::exec::Session>> sessions;
  sessions.push_back(dead->open({"felix/xenial", "xenial"}));
  sessions.push_back(other->open({"felix/focal", "focal"}));
  std::vector<std::jthread> left;
  for (auto& session : sessions) {
    left.emplace_back([&, s = session.get()] { s->run({{"/bin/sleep", "60"}, dir_.path() / "work", {}, std::chrono::seconds(120)}, dir_.path() / "old.log", stop); });
  }
  struct StopFirst {
    CancelToken& stop;
    ~StopFirst() { stop.cancel(); }
  };
  const StopFirst stop_first{stop};
  ASSERT_TRUE(testkit::eventually([&] { return fake_.running_containers() == 2; }, std::chrono::seconds(20)))
      << fake_.running_containers() << " running, " << fake_.job_names().size() << " Jobs: " << testkit::read_file(dir_.path() / "old.log");

  // The real kubectl lists them from the fake by the bot's labels: the fake speaks Kubernetes.
  const auto listed = testkit::run_process({kubectl(), "--server", fake_.server(), "--token", "x", "--namespace", "builds",
                                            "get", "jobs", "-l", "calico-release-bot/build=7", "-o", "name"},
                                           dir_.path(), {"KUBECONFIG=/dev/null"});
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(count_of(listed.output, "job.batch/calico-b7-felix-xenial-"), 1u) << listed.output;
  EXPECT_EQ(count_of(listed.output, "calico-b8-"), 0u) << listed.output;

  // The replica that resumes build 7 removes its Jobs, and only them.
  auto resumed = executor(settings());
  EXPECT_EQ(resumed->remove_leftovers(), 1u);
  EXPECT_EQ(fake_.job_names().size(), 1u);
  EXPECT_EQ(fake_.running_containers(), 1u);
  stop.cancel();
  left.clear();
  sessions.clear();
  EXPECT_TRUE(nothing_left());
}

TEST_F(KubernetesExecutorTest, TheExecutorTableMakesItFromTheConfiguration) {
  config::PublishConfig publish;
  publish.executor = "kubernetes";
  publish.work_dir = dir_.path() / "work";
  publish.kubernetes.kubeconfig = (dir_.path() / "kubeconfig").string();
  publish.kubernetes.name_space = "elsewhere";
  publish.kubernetes.run_as_user = 1000;
  auto made = builders::exec::make_executor(publish, {3, "r1"});
  EXPECT_EQ(made->name(), "kubernetes");
  EXPECT_EQ(made->images(), builders::exec::ImageSource::given);
  publish.kubernetes.kubeconfig = (dir_.path() / "missing").string();
  try {
    builders::exec::make_executor(publish, {3, "r1"});
    FAIL() << "a kubeconfig that is not there";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
}

// As against a real API server: TLS, the server's certificate checked against the cluster's CA
// (a certificate from another CA is refused), and the user's client certificate shown (the
// server refuses a client without one). A real TLS server (HAProxy) fronts the fake.
TEST_F(KubernetesExecutorTest, OverTlsTheServerIsVerifiedAndTheClientCertificateShown) {
  const std::string plain = fake_.server();
  const testkit::TlsFront front(dir_.path() / "tls", std::stoi(plain.substr(plain.rfind(':') + 1)));
  auto kubeconfig = [&](const std::string& name, const std::filesystem::path& ca, bool client_certificate) {
    std::string text = "apiVersion: v1\nkind: Config\ncurrent-context: tls\nclusters:\n- name: tls\n  cluster:\n    server: " +
                       front.url() + "\n    certificate-authority: " + ca.string() + "\nusers:\n- name: bot\n  user:\n";
    text += client_certificate ? "    client-certificate: " + front.client_cert().string() + "\n    client-key: " + front.client_key().string() + "\n"
                               : std::string("    token: t0ken\n");
    text += "contexts:\n- name: tls\n  context:\n    cluster: tls\n    user: bot\n    namespace: builds\n";
    testkit::write_file(dir_.path() / name, text);
    return (dir_.path() / name).string();
  };
  k8s::RetryPolicy fast;
  fast.first_backoff = std::chrono::milliseconds(50);

  auto kube = std::make_unique<k8s::KubernetesExecutor>(
      std::make_shared<k8s::ApiClient>(k8s::kubeconfig_access(kubeconfig("good", front.ca_cert(), true)), fast), settings());
  const auto log = dir_.path() / "job.log";
  {
    auto session = kube->open({"felix/xenial", "xenial"});
    const auto result = session->run({{"/bin/sh", "-c", "echo over tls"}, dir_.path() / "work", {}, std::chrono::seconds(60)}, log, never_);
    EXPECT_TRUE(result.ok()) << result.describe() << testkit::read_file(log);
  }
  EXPECT_NE(testkit::read_file(log).find("over tls\n"), std::string::npos) << "the log, streamed through TLS: " << testkit::read_file(log);
  EXPECT_EQ(fake_.created_jobs().size(), 1u);
  EXPECT_TRUE(nothing_left());

  auto refused = [&](const std::string& config) -> std::string {
    k8s::ApiClient api(k8s::kubeconfig_access(config), fast);
    try {
      const auto reply = api.call("GET", "/apis/batch/v1/namespaces/builds/jobs");
      return "answered " + std::to_string(reply.status);
    } catch (const k8s::ApiError& e) {
      return e.what();
    }
  };
  const std::string wrong_ca = refused(kubeconfig("wrong-ca", front.other_ca_cert(), true));
  EXPECT_NE(wrong_ca.find("certificate verify failed"), std::string::npos) << wrong_ca;
  EXPECT_NE(wrong_ca.find(front.url().substr(8)), std::string::npos) << "names the server: " << wrong_ca;
  const std::string no_certificate = refused(kubeconfig("token-only", front.ca_cert(), false));
  EXPECT_NE(no_certificate.find("certificate required"), std::string::npos)
      << "a server that asks for a client certificate refuses a client without one: " << no_certificate;
  EXPECT_EQ(fake_.created_jobs().size(), 1u) << "nothing reached the API server without a verified TLS connection";
}
