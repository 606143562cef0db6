// How the kubernetes executor finds its API server (kubeconfig as kubectl reads it, in-cluster
// files) and how it reads a Pod's output stream: pure parts, no cluster.
#include <gtest/gtest.h>

#include <cstdlib>

#include "builders/exec/kubernetes/api_access.hpp"
#include "builders/exec/kubernetes/pod_runner.hpp"
#include "builders/exec/kubernetes/yaml_document.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
namespace k8s = calico::builders::exec::kubernetes;

namespace {

std::string error_of(const std::string& paths, const std::string& context = {}) {
  try {
    k8s::kubeconfig_access(paths, context);
  } catch (const k8s::AccessError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST(KubernetesAccess, AKubeconfigGivesTheCurrentContextsServerUserAndNamespace) {
  testkit::ScratchDir dir;
  // "-----BEGIN CERTIFICATE-----\nCA\n" in base64, as kubectl writes certificate-authority-data.
  testkit::write_file(dir.path() / "config", R"(apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: staging
  cluster:
    server: https://staging.example:6443
- name: prod
  cluster:
    server: "https://10.0.0.1:6443"
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCg==
users:
- name: robot
  user:
    token: abc.def
contexts:
- name: prod
  context: {cluster: prod, user: robot, namespace: builds}
- name: staging
  context:
    cluster: staging
    user: robot
)");
  const k8s::ApiAccess access = k8s::kubeconfig_access((dir.path() / "config").string());
  EXPECT_EQ(access.server, "https://10.0.0.1:6443");
  EXPECT_EQ(access.name_space, "builds");
  EXPECT_EQ(access.authorization(), "Bearer abc.def");
  EXPECT_EQ(access.ca_pem, "-----BEGIN CERTIFICATE-----\nCA\n");
  const k8s::ApiAccess staging = k8s::kubeconfig_access((dir.path() / "config").string(), "staging");
  EXPECT_EQ(staging.server, "https://staging.example:6443");
  EXPECT_EQ(staging.name_space, "");
}

TEST(KubernetesAccess, SeveralFilesMergeAsKubectlDoesAndFilePathsAreRelativeToTheirFile) {
  testkit::ScratchDir dir;
  std::filesystem::create_directories(dir.path() / "a");
  testkit::write_file(dir.path() / "a" / "ca.pem", "the CA\n");
  testkit::write_file(dir.path() / "a" / "client.pem", "the cert\n");
  testkit::write_file(dir.path() / "a" / "client.key", "the key\n");
  testkit::write_file(dir.path() / "a" / "clusters", R"(clusters:
- name: c
  cluster:
    server: https://c.example
    certificate-authority: ca.pem
users:
- name: u
  user:
    client-certificate: client.pem
    client-key: client.key
)");
  testkit::write_file(dir.path() / "contexts", "current-context: x\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n");
  const auto access = k8s::kubeconfig_access((dir.path() / "contexts").string() + ":" + (dir.path() / "missing").string() + ":" +
                                             (dir.path() / "a" / "clusters").string());
  EXPECT_EQ(access.server, "https://c.example");
  EXPECT_EQ(access.ca_pem, "the CA\n");
  EXPECT_EQ(access.client_cert_pem, "the cert\n");
  EXPECT_EQ(access.client_key_pem, "the key\n");
  EXPECT_EQ(access.authorization(), "") << "a client certificate, no token";
}

TEST(KubernetesAccess, WhatCannotBeUsedIsRefusedNamingIt) {
  testkit::ScratchDir dir;
  const auto file = dir.path() / "config";
  testkit::write_file(file, "current-context: a\ncontexts:\n- name: a\n  context: {cluster: gone, user: u}\n");
  EXPECT_NE(error_of(file.string()).find("no cluster \"gone\""), std::string::npos) << error_of(file.string());
  EXPECT_NE(error_of(file.string(), "b").find("no context \"b\""), std::string::npos);
  testkit::write_file(file, "current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: https://x}\n"
                            "users:\n- name: u\n  user:\n    exec:\n      command: gke-gcloud-auth-plugin\n");
  EXPECT_NE(error_of(file.string()).find("exec plugin"), std::string::npos) << error_of(file.string());
  testkit::write_file(file, "clusters: [\n");
  EXPECT_NE(error_of(file.string()).find(file.string() + ":"), std::string::npos) << error_of(file.string());
  testkit::write_file(file, "a: &x 1\nb: *x\n");
  EXPECT_NE(error_of(file.string()).find("not supported"), std::string::npos) << error_of(file.string());
  EXPECT_NE(error_of((dir.path() / "nothing").string()).find("no kubeconfig"), std::string::npos);
}

TEST(KubernetesAccess, InAPodTheServiceAccountsFilesAreUsedAndTheTokenIsReadEachTime) {
  testkit::ScratchDir dir;
  testkit::write_file(dir.path() / "token", "first\n");
  testkit::write_file(dir.path() / "ca.crt", "cluster CA\n");
  testkit::write_file(dir.path() / "namespace", "calico-release\n");
  ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  const auto access = k8s::in_cluster_access(dir.path());
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
  EXPECT_EQ(access.server, "https://10.96.0.1:443");
  EXPECT_EQ(access.name_space, "calico-release");
  EXPECT_EQ(access.ca_pem, "cluster CA\n");
  EXPECT_EQ(access.authorization(), "Bearer first");
  testkit::write_file(dir.path() / "token", "rotated\n");
  EXPECT_EQ(access.authorization(), "Bearer rotated") << "projected tokens are rewritten before they expire";
}

TEST(KubernetesAccess, YamlScalarsStayStringsAndOnlyTheFirstDocumentCounts) {
  const auto value = k8s::read_yaml("a: true\nb: [1, 'two']\nc:\n  d: ~\n---\nignored: 1\n", "t");
  EXPECT_EQ(value.at("a").as_string(), "true");
  EXPECT_EQ(value.at("b").at(1).as_string(), "two");
  EXPECT_FALSE(value.as_object().contains("ignored"));
  EXPECT_TRUE(k8s::read_yaml("", "t").is_null());
}

TEST(PodOutput, MarkersAreFoundWhateverPiecesTheStreamArrivesInAndNeverReachTheLog) {
  const std::string mark = "@@calico-job-0123@@";
  const std::string stream = "first line\nno newline at the end\n" + mark + " 1 0\n@@ not a marker\n" + mark + "x\n" +
                             "partial" + "\n" + mark + " 2 7\n";
  for (std::size_t piece : {1u, 2u, 3u, 7u, 1000u}) {
    std::string log;
    std::vector<std::pair<int, int>> ended;
    k8s::OutputSplitter splitter(mark, [&](std::string_view data) { log += data; }, [&](int n, int status) { ended.emplace_back(n, status); });
    for (std::size_t at = 0; at < stream.size(); at += piece) splitter.feed(std::string_view(stream).substr(at, piece));
    EXPECT_EQ(log, "first line\nno newline at the end\n@@ not a marker\n" + mark + "x\npartial\n") << "pieces of " << piece;
    EXPECT_EQ(ended, (std::vector<std::pair<int, int>>{{1, 0}, {2, 7}})) << "pieces of " << piece;
  }
}
