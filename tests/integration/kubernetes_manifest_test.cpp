// The batch/v1 Job a build job becomes: the production settings, names and labels Kubernetes
// accepts, and the whole object validated against Kubernetes' published schema
// (kubernetes-models, installed by scripts/install-deps into tests/schema).
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <fstream>

#include "builders/exec/kubernetes/job_manifest.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/process.hpp"

using namespace calico;
using namespace calico::builders::exec::kubernetes;
using namespace std::chrono_literals;

namespace {

JobManifest felix_xenial() {
  JobManifest m;
  m.name_space = "calico-release";
  m.name = job_name(12, "felix/xenial", "a1");
  m.labels = job_labels(12, "felix/xenial", "bot-7f9c-3a2b1c0d");
  m.image = "registry.example.com/calico-build/xenial";
  m.command = {"/bin/sh", "-c", "exec dpkg-buildpackage -S"};
  m.env = {{"DEB_BUILD_OPTIONS", "nocheck"}};
  m.workspace_claim = "calico-release-bot-workspace";
  m.workspace_path = "/var/lib/calico-release-bot/work";
  m.uid = 10001;
  m.gid = 10001;
  m.deadline = 5400s;
  m.ttl_after_finished = 600s;
  m.node_selector = {{"kubernetes.io/arch", "amd64"}};
  m.tolerations = {{"dedicated", "Equal", "builds", "NoSchedule"}, {"spot", "Exists", "", ""}};
  return m;
}

bool dns1123(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return name.front() != '-' && name.back() != '-';
}

// What kubernetes-models says of `object`: its exit code and one line per object.
testkit::RunResult validate(const boost::json::value& object, const testkit::ScratchDir& dir) {
  const std::filesystem::path file = dir.path() / "object.json";
  std::ofstream(file) << boost::json::serialize(object);
  const std::filesystem::path schema = std::filesystem::path(CALICO_SOURCE_DIR) / "tests" / "schema";
  return testkit::run_process({"/usr/bin/env", "node", (schema / "validate.mjs").string(), file.string()}, dir.path(), {}, schema);
}

}  // namespace

TEST(KubernetesJob, NamesAreDns1123UniquePerAttemptAndNeverTooLong) {
  EXPECT_EQ(job_name(12, "felix/xenial", "a1"), "calico-b12-felix-xenial-a1");
  EXPECT_NE(job_name(12, "felix/xenial", "a1"), job_name(12, "felix/xenial", "a2"));
  const std::string long_name = job_name(123456789, "networking-calico-with-a-very-long-component-name/centos7", "ffffffff");
  EXPECT_TRUE(dns1123(long_name)) << long_name;
  EXPECT_TRUE(long_name.ends_with("-ffffffff")) << "the attempt survives shortening: " << long_name;
  EXPECT_TRUE(dns1123(job_name(1, "---", ""))) << job_name(1, "---", "");
  EXPECT_TRUE(dns1123(job_name(1, "Felix_Xenial.1", "Z9"))) << job_name(1, "Felix_Xenial.1", "Z9");
}

TEST(KubernetesJob, LabelsFindTheBuildsJobsAndAreValidValues) {
  const auto labels = job_labels(12, "felix/xenial", "host.example.com-1a2b3c4d");
  EXPECT_EQ(labels.at("calico-release-bot/build"), "12");
  EXPECT_EQ(labels.at("calico-release-bot/job"), "felix-xenial");
  EXPECT_EQ(labels.at("calico-release-bot/replica"), "host.example.com-1a2b3c4d");
  EXPECT_EQ(labels.at("app.kubernetes.io/component"), "build") << "what the egress-denying NetworkPolicy selects";
  EXPECT_EQ(build_selector(12), "calico-release-bot/build=12");
  EXPECT_EQ(label_value("-x/" + std::string(80, 'y') + "-"), "x-" + std::string(61, 'y'));
  EXPECT_EQ(label_value("..."), "");
}

TEST(KubernetesJob, CarriesEveryProductionSetting) {
  const boost::json::object job = job_object(felix_xenial());
  const boost::json::object& spec = job.at("spec").as_object();
  EXPECT_EQ(spec.at("backoffLimit").as_int64(), 0) << "a failed build is never retried behind the bot's back";
  EXPECT_EQ(spec.at("activeDeadlineSeconds").as_int64(), 5400);
  EXPECT_EQ(spec.at("ttlSecondsAfterFinished").as_int64(), 600);
  const boost::json::object& pod = spec.at("template").at("spec").as_object();
  EXPECT_EQ(pod.at("restartPolicy").as_string(), "Never");
  EXPECT_FALSE(pod.at("automountServiceAccountToken").as_bool());
  EXPECT_TRUE(pod.at("securityContext").at("runAsNonRoot").as_bool());
  EXPECT_EQ(pod.at("securityContext").at("runAsUser").as_int64(), 10001);
  EXPECT_EQ(pod.at("securityContext").at("seccompProfile").at("type").as_string(), "RuntimeDefault");
  const boost::json::object& container = pod.at("containers").at(0).as_object();
  EXPECT_FALSE(container.at("securityContext").at("allowPrivilegeEscalation").as_bool());
  EXPECT_EQ(container.at("securityContext").at("capabilities").at("drop").at(0).as_string(), "ALL");
  EXPECT_EQ(container.at("env").at(0).at("value").as_string(), "/var/lib/calico-release-bot/work/.home");
  EXPECT_EQ(container.at("volumeMounts").at(0).at("mountPath").as_string(), "/var/lib/calico-release-bot/work");
  EXPECT_EQ(pod.at("volumes").at(0).at("persistentVolumeClaim").at("claimName").as_string(), "calico-release-bot-workspace");
  EXPECT_EQ(container.at("resources").at("limits").at("memory").as_string(), "8Gi");
  EXPECT_FALSE(container.at("resources").at("limits").as_object().contains("cpu")) << "no CPU limit unless one is set";
  EXPECT_EQ(pod.at("nodeSelector").at("kubernetes.io/arch").as_string(), "amd64");
  EXPECT_FALSE(pod.at("tolerations").at(1).as_object().contains("value")) << "Exists takes no value";
  EXPECT_EQ(job.at("metadata").at("labels"), spec.at("template").at("metadata").at("labels"));
}

TEST(KubernetesJob, PassesKubernetesPublishedSchemaAndAWrongOneDoesNot) {
  testkit::ScratchDir dir;
  const testkit::RunResult valid = validate(job_object(felix_xenial()), dir);
  EXPECT_EQ(valid.exit_code, 0) << valid.output;
  EXPECT_NE(valid.output.find("batch/v1/Job calico-b12-felix-xenial-a1: valid"), std::string::npos) << valid.output;
  // The check can fail: a Job whose backoffLimit is not an integer is refused by the schema.
  boost::json::object broken = job_object(felix_xenial());
  broken["spec"].as_object()["backoffLimit"] = "none";
  const testkit::RunResult invalid = validate(broken, dir);
  EXPECT_EQ(invalid.exit_code, 1) << invalid.output;
  EXPECT_NE(invalid.output.find("backoffLimit must be integer"), std::string::npos) << invalid.output;
}
