// How the bot reaches a cluster's API server, found the way kubectl finds it: a kubeconfig
// (the configured file, else $KUBECONFIG, which may list several files, else ~/.kube/config) at
// its current context, or, inside a Pod, the service account's token and CA with
// KUBERNETES_SERVICE_HOST/PORT.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace calico::builders::exec::kubernetes {

class AccessError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ApiAccess {
  std::string server;           // https://host:port (http:// only for a local stand-in)
  std::string name_space;       // the context's namespace, or the service account's
  std::string token;            // a bearer token given inline
  std::filesystem::path token_file;  // read again before each request: projected tokens rotate
  std::string ca_pem;           // the CA that signs the server's certificate; empty: the system's
  bool insecure = false;        // insecure-skip-tls-verify
  std::string client_cert_pem;  // client certificate authentication
  std::string client_key_pem;
  std::string origin;           // where this came from, for messages ("kubeconfig /x, context y")

  // The Authorization header's value, or "" for none. Throws AccessError when the token file
  // cannot be read.
  std::string authorization() const;
};

// One kubeconfig file: where it is (relative paths in it are relative to its directory) and its text.
struct KubeconfigFile {
  std::filesystem::path path;
  std::string text;
  boost::json::value config = {};
};

// From kubeconfig files (`paths` as KUBECONFIG lists them, ':'-separated), at `context` or the
// current context. The first file to set a field wins, as kubectl merges them.
ApiAccess kubeconfig_access(const std::string& paths, const std::string& context = {});
// The same from files already read (`described` names them in messages).
ApiAccess kubeconfig_access(const std::vector<KubeconfigFile>& files, const std::string& context, const std::string& described);

// Inside a Pod: the service account's files under `account_dir` and the service host and port.
ApiAccess in_cluster_access(const std::filesystem::path& account_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

// The configured kubeconfig when `kubeconfig` is set; else $KUBECONFIG; else in-cluster when
// KUBERNETES_SERVICE_HOST is set; else ~/.kube/config. Throws AccessError saying which was tried.
ApiAccess find_api_access(const std::string& kubeconfig);

}  // namespace calico::builders::exec::kubernetes
