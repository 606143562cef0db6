#include "builders/exec/kubernetes/api_access.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include <boost/json/object.hpp>
#include <openssl/evp.h>

#include "builders/exec/kubernetes/yaml_document.hpp"

namespace calico::builders::exec::kubernetes {

namespace {

std::string read_file(const std::filesystem::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw AccessError(what + ": cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string base64_decode(const std::string& text, const std::string& what) {
  std::string clean;
  for (char c : text) {
    if (c != '\n' && c != '\r' && c != ' ') clean += c;
  }
  std::string out(clean.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0 || clean.size() % 4 != 0) throw AccessError(what + " is not base64");
  std::size_t size = static_cast<std::size_t>(n);
  if (!clean.empty() && clean.back() == '=') --size;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') --size;
  out.resize(size);
  return out;
}

std::string field(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

// The entry called `name` of a kubeconfig list (clusters, users, contexts): its inner object.
const boost::json::object* named(const boost::json::value& config, std::string_view list, const std::string& name,
                                 std::string_view inner) {
  const boost::json::object* top = config.if_object();
  const boost::json::value* entries = top ? top->if_contains(list) : nullptr;
  if (!entries || !entries->is_array()) return nullptr;
  for (const boost::json::value& entry : entries->as_array()) {
    const boost::json::object* object = entry.if_object();
    if (!object || field(*object, "name") != name) continue;
    const boost::json::value* body = object->if_contains(inner);
    return body ? body->if_object() : nullptr;
  }
  return nullptr;
}

using Loaded = KubeconfigFile;

// A file's PEM: inline (-data, base64) or a path relative to the kubeconfig that names it.
std::string pem(const boost::json::object& object, const std::string& key, const Loaded& file, const std::string& where) {
  if (const std::string data = field(object, key + "-data"); !data.empty()) return base64_decode(data, where + " " + key + "-data");
  if (std::string path = field(object, key); !path.empty()) {
    std::filesystem::path p(path);
    if (p.is_relative()) p = file.path.parent_path() / p;
    return read_file(p, where + " " + key);
  }
  return {};
}

}  // namespace

std::string ApiAccess::authorization() const {
  if (!token.empty()) return "Bearer " + token;
  if (token_file.empty()) return {};
  std::string read = read_file(token_file, origin + " token file");
  while (!read.empty() && (read.back() == '\n' || read.back() == '\r' || read.back() == ' ')) read.pop_back();
  if (read.empty()) throw AccessError(origin + ": the token file " + token_file.string() + " is empty");
  return "Bearer " + read;
}

ApiAccess kubeconfig_access(const std::string& paths, const std::string& context) {
  std::vector<KubeconfigFile> files;
  std::size_t start = 0;
  while (start <= paths.size()) {
    const std::size_t colon = paths.find(':', start);
    const std::string one = paths.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!one.empty() && std::filesystem::exists(one)) files.push_back({one, read_file(one, "kubeconfig")});
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (files.empty()) throw AccessError("no kubeconfig file found at " + paths);
  return kubeconfig_access(files, context, paths);
}

ApiAccess kubeconfig_access(const std::vector<KubeconfigFile>& given, const std::string& context, const std::string& paths) {
  std::vector<Loaded> files = given;
  for (Loaded& file : files) {
    try {
      file.config = read_yaml(file.text, file.path.string());
    } catch (const YamlError& e) {
      throw AccessError(std::string("kubeconfig ") + e.what());
    }
  }
  std::string context_name = context;
  for (const Loaded& file : files) {
    if (context_name.empty() && file.config.is_object()) context_name = field(file.config.as_object(), "current-context");
  }
  if (context_name.empty()) throw AccessError("kubeconfig " + paths + " names no current-context");
  auto find = [&](std::string_view list, const std::string& name, std::string_view inner) -> std::pair<const boost::json::object*, const Loaded*> {
    for (const Loaded& file : files) {
      if (const boost::json::object* found = named(file.config, list, name, inner)) return {found, &file};
    }
    return {nullptr, nullptr};
  };
  const auto [ctx, ctx_file] = find("contexts", context_name, "context");
  if (!ctx) throw AccessError("kubeconfig " + paths + ": no context \"" + context_name + "\"");
  ApiAccess access;
  access.origin = "kubeconfig " + paths + ", context " + context_name;
  access.name_space = field(*ctx, "namespace");
  const std::string cluster_name = field(*ctx, "cluster");
  const auto [cluster, cluster_file] = find("clusters", cluster_name, "cluster");
  if (!cluster) throw AccessError(access.origin + ": no cluster \"" + cluster_name + "\"");
  access.server = field(*cluster, "server");
  if (access.server.empty()) throw AccessError(access.origin + ": cluster \"" + cluster_name + "\" has no server");
  access.insecure = field(*cluster, "insecure-skip-tls-verify") == "true";
  access.ca_pem = pem(*cluster, "certificate-authority", *cluster_file, access.origin);
  if (const std::string user_name = field(*ctx, "user"); !user_name.empty()) {
    const auto [user, user_file] = find("users", user_name, "user");
    if (!user) throw AccessError(access.origin + ": no user \"" + user_name + "\"");
    if (user->if_contains("exec") || user->if_contains("auth-provider")) {
      throw AccessError(access.origin + ": user \"" + user_name +
                        "\" authenticates through an exec plugin or auth provider, which the bot does not run; "
                        "give it a token or a client certificate (a service account's token, for instance)");
    }
    access.token = field(*user, "token");
    if (const std::string file = field(*user, "tokenFile"); !file.empty()) access.token_file = file;
    access.client_cert_pem = pem(*user, "client-certificate", *user_file, access.origin);
    access.client_key_pem = pem(*user, "client-key", *user_file, access.origin);
    if (access.client_cert_pem.empty() != access.client_key_pem.empty()) {
      throw AccessError(access.origin + ": user \"" + user_name + "\" has a client certificate without its key, or a key without its certificate");
    }
  }
  return access;
}

ApiAccess in_cluster_access(const std::filesystem::path& account_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host) throw AccessError("in-cluster: KUBERNETES_SERVICE_HOST is not set (not running in a Pod?)");
  ApiAccess access;
  access.origin = "in-cluster service account " + account_dir.string();
  const std::string h = host;
  access.server = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + (port && *port ? port : "443");
  access.token_file = account_dir / "token";
  access.ca_pem = read_file(account_dir / "ca.crt", access.origin);
  if (std::filesystem::exists(account_dir / "namespace")) {
    access.name_space = read_file(account_dir / "namespace", access.origin);
    while (!access.name_space.empty() && (access.name_space.back() == '\n' || access.name_space.back() == ' ')) access.name_space.pop_back();
  }
  (void)access.authorization();  // the token is readable now, or the error says so at start
  return access;
}

ApiAccess find_api_access(const std::string& kubeconfig) {
  if (!kubeconfig.empty()) return kubeconfig_access(kubeconfig);
  if (const char* listed = std::getenv("KUBECONFIG"); listed && *listed) return kubeconfig_access(listed);
  if (const char* host = std::getenv("KUBERNETES_SERVICE_HOST"); host && *host) return in_cluster_access();
  const char* home = std::getenv("HOME");
  const std::string fallback = std::string(home ? home : "") + "/.kube/config";
  if (!std::filesystem::exists(fallback)) {
    throw AccessError("no Kubernetes API access: publish.kubernetes.kubeconfig is unset, KUBECONFIG is unset, "
                      "KUBERNETES_SERVICE_HOST is unset (not in a Pod) and " + fallback + " does not exist");
  }
  return kubeconfig_access(fallback);
}

}  // namespace calico::builders::exec::kubernetes
