// TOML → Config: the section readers, each saying which keys its table has, over the generic
// TableReader (toml_reader.hpp).
#include "config/loader.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "config/toml_reader.hpp"

namespace calico::config {
namespace {

// An http(s) URL (API roots, the public URL), without its trailing slash.
std::optional<std::string> read_http_url(TableReader& r, const char* key) {
  std::optional<std::string> v = r.string(key);
  if (!v) return v;
  static const std::regex url_shape("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?");
  if (!std::regex_match(*v, url_shape)) r.throw_at(r.line_of(key), r.qualified(key), "is not an http(s) URL: \"" + *v + "\"");
  if (v->ends_with("/")) v->pop_back();
  return v;
}

void read_server(TableReader& r, ServerConfig& s) {
  if (auto v = r.string("address")) {
    // An IP address to listen on (serve cannot bind a name or a typo).
    unsigned char parsed[sizeof(in6_addr)];
    if (inet_pton(AF_INET, v->c_str(), parsed) != 1 && inet_pton(AF_INET6, v->c_str(), parsed) != 1) {
      r.throw_at(r.line_of("address"), r.qualified("address"), "is not an IPv4 or IPv6 address: \"" + *v + "\"");
    }
    s.listen_address = *v;
  }
  if (auto v = r.integer("port", 0, 65535)) s.port = static_cast<std::uint16_t>(*v);
  if (auto v = r.integer("threads", 1, 64)) s.threads = static_cast<int>(*v);
  if (auto v = r.string("webhook_path")) {
    static const std::regex path_shape("/[A-Za-z0-9._~/-]*");
    if (!std::regex_match(*v, path_shape)) {
      r.throw_at(r.line_of("webhook_path"), r.qualified("webhook_path"), "must start with / and contain only URL path characters, got \"" + *v + "\"");
    }
    s.webhook_path = *v;
  }
  if (auto v = r.integer("max_body_bytes", 1024, std::int64_t{1} << 30)) s.max_body_bytes = static_cast<std::size_t>(*v);
  if (auto v = r.integer("shutdown_grace_seconds", 0, 3600)) s.shutdown_grace = std::chrono::seconds(*v);
  if (auto v = r.integer("idle_timeout_seconds", 1, 3600)) s.idle_timeout = std::chrono::seconds(*v);
  if (auto v = r.integer("max_connections", 1, 1000000)) s.max_connections = static_cast<int>(*v);
  if (auto v = r.integer("header_timeout_seconds", 1, 3600)) s.header_timeout = std::chrono::seconds(*v);
  if (auto v = r.integer("max_connections_per_client", 0, 1000000)) s.max_connections_per_client = static_cast<int>(*v);
  if (auto v = r.integer("max_buffered_body_bytes", 1024, std::int64_t{1} << 40)) {
    if (static_cast<std::size_t>(*v) < s.max_body_bytes) {
      r.throw_at(r.line_of("max_buffered_body_bytes"), r.qualified("max_buffered_body_bytes"),
                 "must be at least max_body_bytes (" + std::to_string(s.max_body_bytes) + "), or no request of the largest size could be read; got " +
                     std::to_string(*v));
    }
    s.max_buffered_body_bytes = static_cast<std::size_t>(*v);
  }
  if (auto v = read_http_url(r, "public_url")) s.public_url = *v;
  r.finish();
}

// A password written into a connection string (URL user info, a password keyword or parameter).
bool holds_password(const std::string& url) {
  if (url.find("password=") != std::string::npos) return true;
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  const std::size_t authority_end = url.find_first_of("/?", scheme + 3);
  const std::string authority = url.substr(scheme + 3, authority_end == std::string::npos ? std::string::npos : authority_end - scheme - 3);
  const std::size_t at = authority.rfind('@');
  return at != std::string::npos && authority.substr(0, at).find(':') != std::string::npos;
}

void read_store(TableReader& r, StoreConfig& s) {
  if (auto v = r.choice("backend", {"sqlite", "postgresql"})) s.backend = *v;
  if (auto v = r.string("url")) {
    if (s.backend != "postgresql") r.throw_at(r.line_of("url"), r.qualified("url"), "is for backend = \"postgresql\"; the SQLite store is store.path");
    if (v->empty()) r.throw_at(r.line_of("url"), r.qualified("url"), "must not be empty");
    if (holds_password(*v)) {
      r.throw_at(r.line_of("url"), r.qualified("url"), "holds a password: give it as secrets.store_password, never in the configuration");
    }
    s.url = *v;
  } else if (s.backend == "postgresql") {
    r.throw_at(r.line_of("backend"), r.qualified("backend"),
               "\"postgresql\" needs store.url (\"postgresql://user@host:5432/db\" or libpq keywords)");
  }
  if (auto v = r.string("path")) {
    if (v->empty()) r.throw_at(r.line_of("path"), r.qualified("path"), "must not be empty");
    s.path = r.resolve(*v);
  }
  if (auto v = r.integer("max_batch", 1, 100000)) s.max_batch = static_cast<int>(*v);
  if (auto v = r.integer("lease_seconds", 3, 3600)) s.lease_seconds = static_cast<int>(*v);
  if (auto v = r.integer("retention_days", 0, 36500)) {
    if (*v > 0 && *v < 7) {
      r.throw_at(r.line_of("retention_days"), r.qualified("retention_days"),
                 "must be 0 (keep everything) or at least 7 (GitHub redelivers for days; a delivery's GUID must outlive that), got " +
                     std::to_string(*v));
    }
    s.retention_days = static_cast<int>(*v);
  }
  r.finish();
}

void read_log(TableReader& r, LogConfig& l) {
  if (auto v = r.choice("level", {"debug", "info", "warn", "error"})) {
    l.level = *v == "debug" ? LogLevel::debug : *v == "info" ? LogLevel::info : *v == "warn" ? LogLevel::warn : LogLevel::error;
  }
  if (auto v = r.choice("format", {"logfmt", "json"})) l.format = *v == "json" ? LogFormat::json : LogFormat::logfmt;
  r.finish();
}

void read_secrets(TableReader& r, SecretsConfig& s) {
  s.webhook_secret = r.secret("webhook_secret");
  s.webhook_previous_secret = r.secret("webhook_previous_secret");
  s.github_token = r.secret("github_token");
  s.github_app_private_key = r.secret("github_app_private_key");
  s.gpg_secret_key = r.secret("gpg_secret_key");
  s.gpg_passphrase = r.secret("gpg_passphrase");
  s.rpm_gpg_secret_key = r.secret("rpm_gpg_secret_key");
  s.rpm_gpg_passphrase = r.secret("rpm_gpg_passphrase");
  s.store_password = r.secret("store_password");
  s.launchpad_consumer_key = r.secret("launchpad_consumer_key");
  s.launchpad_token = r.secret("launchpad_token");
  s.launchpad_token_secret = r.secret("launchpad_token_secret");
  r.finish();
}

RepositoryConfig read_repository(TableReader& r) {
  static const std::regex name_shape("[a-z0-9][a-z0-9._-]{0,63}");
  static const std::regex github_shape("[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}");
  static const std::regex branch_shape("[A-Za-z0-9._/-]{1,200}");
  RepositoryConfig repo;
  auto required = [&](std::string_view key) {
    std::optional<std::string> v = r.string(key);
    if (!v) r.throw_at(r.line(), r.qualified(key), "is required");
    return *v;
  };
  repo.name = required("name");
  if (!std::regex_match(repo.name, name_shape)) {
    r.throw_at(r.line_of("name"), r.qualified("name"), "must be lower-case letters, digits, '.', '_' or '-', got \"" + repo.name + "\"");
  }
  repo.github = required("github");
  if (!std::regex_match(repo.github, github_shape)) {
    r.throw_at(r.line_of("github"), r.qualified("github"), "must be \"owner/repository\", got \"" + repo.github + "\"");
  }
  repo.url = required("url");
  if (repo.url.empty()) r.throw_at(r.line_of("url"), r.qualified("url"), "must not be empty");
  {
    // A URL git can fetch (http(s), ssh, git, file), scp-like user@host:path, or a local path.
    static const std::regex url_shape("(https?|ssh|git|file)://[^\\s/@]+(@[^\\s/]+)?(/[^\\s]*)?|"
                                      "[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\\s]+|[^\\s:@]+");
    static const std::regex file_url("file:///[^\\s]*");
    // "https//host/path", "http:/host": a URL with its scheme mistyped, not a local path.
    static const std::regex mistyped("(https?|ssh|git|file)(:/?|//?)[^/].*");
    if ((!std::regex_match(repo.url, url_shape) && !std::regex_match(repo.url, file_url)) || std::regex_match(repo.url, mistyped)) {
      r.throw_at(r.line_of("url"), r.qualified("url"),
                 "is not a repository URL (https://host/path, ssh://host/path, git@host:path or a local path): \"" + repo.url + "\"");
    }
  }
  // Local paths in the demo configuration are relative to the configuration file.
  if (repo.url.find("://") == std::string::npos && repo.url.find('@') == std::string::npos) {
    repo.url = r.resolve(repo.url).string();
  }
  if (auto v = r.string("master_branch")) {
    if (!std::regex_match(*v, branch_shape) || v->find("..") != std::string::npos) {
      r.throw_at(r.line_of("master_branch"), r.qualified("master_branch"), "is not a valid branch name: \"" + *v + "\"");
    }
    repo.master_branch = *v;
  }
  if (auto v = r.boolean("release_tags")) repo.release_tags = *v;
  if (auto v = r.integer("poll_interval_seconds", 0, 86400)) repo.poll_interval = std::chrono::seconds(*v);
  if (auto v = r.string("release_tag_pattern")) {
    try {
      std::regex compiled(*v);
      (void)compiled;
    } catch (const std::regex_error& e) {
      r.throw_at(r.line_of("release_tag_pattern"), r.qualified("release_tag_pattern"),
                 "is not a valid regular expression: \"" + *v + "\" (" + e.what() + ")");
    }
    repo.release_tag_pattern = *v;
  }
  r.finish();
  return repo;
}

bool valid_ref(const std::string& ref) {
  static const std::regex shape("[A-Za-z0-9][A-Za-z0-9._/+-]{0,199}");
  return std::regex_match(ref, shape) && ref.find("..") == std::string::npos;
}

std::vector<std::string> read_string_list(TableReader& r, std::string_view key, const toml::array& array) {
  std::vector<std::string> out;
  for (const toml::node& item : array) {
    if (!item.is_string()) r.fail(item, key, "expected a list of strings");
    out.push_back(*item.value<std::string>());
  }
  return out;
}

void read_platforms(TableReader& top, const toml::array& array, PublishConfig& publish, const std::filesystem::path& origin) {
  static const std::regex name_shape("[a-z0-9][a-z0-9._-]{0,31}");
  publish.platforms.clear();
  std::size_t index = 0;
  for (const toml::node& entry : array) {
    const std::string key = "publish.platforms[" + std::to_string(index++) + "]";
    if (!entry.is_table()) top.throw_at(entry.source().begin.line, key, "expected a table ([[publish.platforms]])");
    TableReader r(*entry.as_table(), key, origin);
    PlatformConfig platform;
    std::optional<std::string> name = r.string("name");
    if (!name) r.throw_at(r.line(), key + ".name", "is required");
    if (!std::regex_match(*name, name_shape)) {
      r.throw_at(r.line_of("name"), key + ".name", "must be lower-case letters, digits, '.', '_' or '-' (at most 32), got \"" + *name + "\"");
    }
    if (publish.find_platform(*name)) r.throw_at(r.line_of("name"), key + ".name", "\"" + *name + "\" is listed twice");
    platform.name = *name;
    std::optional<std::string> kind = r.choice("kind", {"deb", "rpm"});
    if (!kind) r.throw_at(r.line(), key + ".kind", "is required (deb or rpm)");
    platform.kind = *kind == "rpm" ? PackageKind::rpm : PackageKind::deb;
    if (auto dist = r.string("rpm_dist")) {
      static const std::regex dist_shape("\\.[a-z0-9_]{1,16}");
      if (!std::regex_match(*dist, dist_shape)) r.throw_at(r.line_of("rpm_dist"), key + ".rpm_dist", "must look like \".el7\", got \"" + *dist + "\"");
      platform.rpm_dist = *dist;
    }
    if (const toml::array* defines = r.array("rpm_defines")) {
      static const std::regex define_shape("[A-Za-z_][A-Za-z0-9_]{0,63} [^\n]{1,200}");
      platform.rpm_defines = read_string_list(r, "rpm_defines", *defines);
      for (const std::string& define : platform.rpm_defines) {
        if (!std::regex_match(define, define_shape)) r.throw_at(r.line_of("rpm_defines"), key + ".rpm_defines", "each must be \"NAME value\", got \"" + define + "\"");
      }
    } else if (platform.kind == PackageKind::rpm && platform.rpm_dist == ".el7") {
      platform.rpm_defines = default_publish_config().find_platform("centos7")->rpm_defines;
    } else if (platform.kind == PackageKind::rpm && platform.rpm_dist.size() > 1) {
      platform.rpm_defines = {platform.rpm_dist.substr(1) + " 1"};  // ".el8" → %el8 1, as the platform's macros say
    }
    if (auto base = r.string("docker_base")) {
      // An image reference as docker takes it: [registry[:port]/]name[:tag][@digest]. It reaches
      // `docker build --build-arg` only, as one argv element.
      static const std::regex image_shape("[a-z0-9][a-z0-9._/-]{0,199}(:[A-Za-z0-9_.-]{1,128})?(@sha256:[a-f0-9]{64})?");
      if (!std::regex_match(*base, image_shape)) {
        r.throw_at(r.line_of("docker_base"), key + ".docker_base", "must be an image reference such as \"ubuntu:16.04\", got \"" + *base + "\"");
      }
      platform.docker_base = *base;
    }
    if (auto check = r.boolean("rpm_check_build_deps")) platform.rpm_check_build_deps = *check;
    if (auto on_host = r.boolean("build_on_host")) platform.build_on_host = *on_host;
    if (platform.kind == PackageKind::rpm && platform.rpm_dist.empty()) {
      r.throw_at(r.line(), key + ".rpm_dist", "is required for an rpm platform (e.g. \".el7\")");
    }
    r.finish();
    publish.platforms.push_back(std::move(platform));
  }
}

// [publish.kubernetes]: values that reach a Kubernetes object are checked here, so that a typo is
// a configuration error naming the key, not a 422 from the cluster at the first build.
void read_kubernetes(TableReader& r, KubernetesConfig& k) {
  static const std::regex dns_label("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  static const std::regex dns_subdomain("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?");
  static const std::regex quantity("[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?");
  static const std::regex label_key("([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?");
  static const std::regex label_value("([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?");
  if (auto v = r.string("kubeconfig")) k.kubeconfig = r.resolve(*v).string();
  if (auto v = r.string("namespace")) {
    if (!std::regex_match(*v, dns_label)) r.throw_at(r.line_of("namespace"), r.qualified("namespace"), "is not a namespace name (DNS-1123 label): \"" + *v + "\"");
    k.name_space = *v;
  }
  if (auto v = r.string("workspace_claim")) {
    if (!std::regex_match(*v, dns_subdomain)) r.throw_at(r.line_of("workspace_claim"), r.qualified("workspace_claim"), "is not a PersistentVolumeClaim name: \"" + *v + "\"");
    k.workspace_claim = *v;
  }
  if (auto v = r.string("workspace_mount_path")) {
    if (!v->starts_with("/")) r.throw_at(r.line_of("workspace_mount_path"), r.qualified("workspace_mount_path"), "must be an absolute path, got \"" + *v + "\"");
    k.workspace_mount_path = *v;
  }
  if (auto v = r.boolean("push_images")) k.push_images = *v;
  if (auto v = r.integer("run_as_user", 1, 2147483647)) k.run_as_user = *v;
  if (auto v = r.integer("run_as_group", 0, 2147483647)) k.run_as_group = *v;
  if (auto v = r.integer("ttl_after_finished_seconds", 0, 604800)) k.ttl_after_finished = std::chrono::seconds(*v);
  if (auto v = r.integer("start_timeout_seconds", 10, 86400)) k.start_timeout = std::chrono::seconds(*v);
  for (auto [key, field] : {std::pair{"cpu_request", &k.cpu_request}, std::pair{"memory_request", &k.memory_request},
                            std::pair{"cpu_limit", &k.cpu_limit}, std::pair{"memory_limit", &k.memory_limit}}) {
    if (auto v = r.string(key)) {
      if (!v->empty() && !std::regex_match(*v, quantity)) r.throw_at(r.line_of(key), r.qualified(key), "is not a Kubernetes quantity (\"2\", \"500m\", \"8Gi\"): \"" + *v + "\"");
      *field = *v;
    }
  }
  if (const toml::table* selector = r.table("node_selector")) {
    for (auto&& [name, node] : *selector) {
      const std::string key(name.str());
      const std::string where = r.qualified("node_selector") + "." + key;
      if (!std::regex_match(key, label_key)) r.throw_at(node.source().begin.line, where, "is not a label key");
      if (!node.is_string() || !std::regex_match(*node.value<std::string>(), label_value)) r.throw_at(node.source().begin.line, where, "must be a label value (a string)");
      k.node_selector[key] = *node.value<std::string>();
    }
  }
  if (const toml::array* tolerations = r.array("tolerations")) {
    std::size_t index = 0;
    for (const toml::node& entry : *tolerations) {
      const std::string key = r.qualified("tolerations") + "[" + std::to_string(index++) + "]";
      if (!entry.is_table()) r.throw_at(entry.source().begin.line, key, "expected a table {key, operator, value, effect}");
      TableReader t(*entry.as_table(), key, {});
      KubernetesToleration toleration;
      if (auto v = t.string("key")) toleration.key = *v;
      if (auto v = t.choice("operator", {"Equal", "Exists"})) toleration.op = *v;
      if (auto v = t.string("value")) toleration.value = *v;
      if (auto v = t.choice("effect", {"NoSchedule", "PreferNoSchedule", "NoExecute"})) toleration.effect = *v;
      if (!toleration.key.empty() && !std::regex_match(toleration.key, label_key)) t.throw_at(t.line_of("key"), key + ".key", "is not a label key");
      t.finish();
      k.tolerations.push_back(std::move(toleration));
    }
  }
  r.finish();
}

bool safe_relative_path(const std::string& path) {
  static const std::regex shape("[A-Za-z0-9_.][A-Za-z0-9_./+-]{0,199}");
  return std::regex_match(path, shape) && path.find("..") == std::string::npos;
}

// A table of publish.components: a built-in component's keys override its defaults; a new name
// defines a new component (then `step` is required).
void read_component(TableReader& r, const std::string& name, ComponentConfig& component, const PublishConfig& publish) {
  static const std::regex step_shape("[a-z][a-z0-9_]{0,31}");
  static const std::regex variable_shape("[A-Z][A-Z0-9_]{0,63}");
  std::erase_if(component.platforms, [&](const std::string& platform) { return !publish.find_platform(platform); });
  if (auto v = r.string("step")) {
    if (!std::regex_match(*v, step_shape) || *v == "bld_images" || *v == "pub_debs" || *v == "pub_rpms") {
      r.throw_at(r.line_of("step"), r.qualified("step"), "must be a lower-case word (letters, digits, _) other than bld_images, pub_debs and pub_rpms, got \"" + *v + "\"");
    }
    if (const ComponentConfig* other = publish.find_step(*v); other && other->name != name) {
      r.throw_at(r.line_of("step"), r.qualified("step"), "\"" + *v + "\" is already the step of " + other->name);
    }
    component.step = *v;
  }
  if (component.step.empty()) r.throw_at(r.line(), r.qualified("step"), "is required for a new component (its word in STEPS)");
  if (auto v = r.string("title")) component.title = *v;
  if (component.title.empty()) component.title = name;
  if (auto v = r.boolean("enabled")) component.enabled = *v;
  if (auto v = r.boolean("optional")) component.optional = *v;
  if (auto v = r.choice("source_kind", {"version", "refs", "dsc"})) {
    component.source_kind = *v == "version" ? SourceKind::version : *v == "refs" ? SourceKind::refs : SourceKind::dsc;
  }
  if (auto v = r.string("variable")) {
    if (!std::regex_match(*v, variable_shape)) r.throw_at(r.line_of("variable"), r.qualified("variable"), "must be an environment variable prefix in capitals, got \"" + *v + "\"");
    component.variable = *v;
  }
  if (component.variable.empty()) {
    for (char c : name) component.variable += c == '-' || c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (auto v = r.boolean("python2_tag")) component.python2_tag = *v;
  if (const toml::array* platforms = r.array("platforms")) {
    component.platforms = read_string_list(r, "platforms", *platforms);
    for (const std::string& platform : component.platforms) {
      if (!publish.find_platform(platform)) {
        r.throw_at(r.line_of("platforms"), r.qualified("platforms"), "\"" + platform + "\" is not in publish.platforms");
      }
    }
  }
  if (const toml::table* refs = r.table("refs")) {
    component.refs.clear();
    for (auto&& [platform, ref] : *refs) {
      const std::string platform_name(platform.str());
      const std::string key = r.qualified("refs") + "." + platform_name;
      if (!publish.find_platform(platform_name)) r.throw_at(ref.source().begin.line, key, "\"" + platform_name + "\" is not in publish.platforms");
      if (!ref.is_string()) r.throw_at(ref.source().begin.line, key, "expected a string");
      const std::string value = *ref.value<std::string>();
      const bool ok = component.source_kind == SourceKind::dsc
                          ? (value.ends_with(".dsc") && !value.starts_with("-") && value.find_first_of(" \t\n'\"") == std::string::npos)
                          : valid_ref(value);
      if (!ok) {
        r.throw_at(ref.source().begin.line, key,
                   component.source_kind == SourceKind::dsc ? "is not the path or http(s) URL of a .dsc: \"" + value + "\""
                                                            : "is not a valid git ref: \"" + value + "\"");
      }
      const bool local_dsc = component.source_kind == SourceKind::dsc && !value.starts_with("http://") && !value.starts_with("https://");
      component.refs.emplace_back(platform_name, local_dsc ? r.resolve(value).string() : value);
    }
  }
  if (auto source = r.string("source")) component.source = *source;
  if (auto epoch = r.integer("epoch", 0, 99)) component.epoch = static_cast<unsigned>(*epoch);
  if (const toml::array* commands = r.array("pre_build")) {
    component.pre_build.clear();
    std::size_t index = 0;
    for (const toml::node& entry : *commands) {
      const std::string key = r.qualified("pre_build") + "[" + std::to_string(index++) + "]";
      if (!entry.is_table()) r.throw_at(entry.source().begin.line, key, "expected a table { run = [\"argv\", …] }");
      TableReader inner(*entry.as_table(), key, r.origin());
      PreBuildStep command;
      const toml::array* run = inner.array("run");
      if (!run) inner.throw_at(inner.line(), key + ".run", "is required: the command as a list of arguments");
      command.argv = read_string_list(inner, "run", *run);
      if (command.argv.empty() || command.argv.front().empty()) inner.throw_at(inner.line(), key + ".run", "must not be empty");
      if (auto v = inner.string("if_file")) command.if_file = *v;
      if (auto v = inner.string("if_text")) command.if_text = *v;
      if (command.if_file.empty() != command.if_text.empty()) inner.throw_at(inner.line(), key + ".if_file", "if_file and if_text go together");
      if (!command.if_file.empty() && !safe_relative_path(command.if_file)) {
        inner.throw_at(inner.line_of("if_file"), key + ".if_file", "must be a path inside the source tree, got \"" + command.if_file + "\"");
      }
      inner.finish();
      component.pre_build.push_back(std::move(command));
    }
  }
  if (const toml::array* exclude = r.array("exclude")) {
    component.exclude = read_string_list(r, "exclude", *exclude);
    for (const std::string& pattern : component.exclude) {
      if (pattern.empty() || pattern.starts_with("-") || pattern.find_first_of("\n\t ") != std::string::npos) {
        r.throw_at(r.line_of("exclude"), r.qualified("exclude"), "\"" + pattern + "\" is not a file pattern");
      }
    }
  }
  if (auto v = r.choice("changelog", {"generate", "keep", "retarget-first", "retarget-all"})) {
    component.changelog = *v == "generate" ? ChangelogMode::generate
                          : *v == "keep"   ? ChangelogMode::keep
                          : *v == "retarget-first" ? ChangelogMode::retarget_first
                                                   : ChangelogMode::retarget_all;
  }
  for (auto [key, field] : {std::pair{"version_file", &component.version_file}, std::pair{"spec", &component.spec}}) {
    if (auto v = r.string(key)) {
      if (!v->empty() && !safe_relative_path(*v)) r.throw_at(r.line_of(key), r.qualified(key), "must be a path inside the source tree, got \"" + *v + "\"");
      *field = *v;
    }
  }
  if (auto v = r.string("spec_source")) component.spec_source = *v;
  if (auto v = r.string("spec_ref")) {
    if (!valid_ref(*v)) r.throw_at(r.line_of("spec_ref"), r.qualified("spec_ref"), "is not a valid git ref: \"" + *v + "\"");
    component.spec_ref = *v;
  }
  if (auto v = r.string("tarball_name")) {
    static const std::regex tarball_shape("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");
    if (!std::regex_match(*v, tarball_shape)) r.throw_at(r.line_of("tarball_name"), r.qualified("tarball_name"), "is not a package name: \"" + *v + "\"");
    component.tarball_name = *v;
  }
  r.finish();
  if (component.source_kind == SourceKind::version && component.changelog != ChangelogMode::generate) {
    r.throw_at(r.line(), r.qualified("changelog"), "a component that follows VERSION gets a generated changelog");
  }
  for (const std::string& platform : component.platforms) {
    if (component.source_kind != SourceKind::version && !component.ref_for(platform)) {
      r.throw_at(r.line(), r.qualified("refs"), "no ref for platform \"" + platform + "\" (" + name + " is built from a configured " +
                                                   (component.source_kind == SourceKind::dsc ? ".dsc" : "ref") + " per platform)");
    }
  }
}

void read_publish(TableReader& r, PublishConfig& publish, const std::filesystem::path& origin) {
  if (auto owner = r.string("ppa_owner")) {
    static const std::regex owner_shape("[a-z0-9][a-z0-9+.-]{0,63}");
    if (!std::regex_match(*owner, owner_shape)) r.throw_at(r.line_of("ppa_owner"), r.qualified("ppa_owner"), "is not a Launchpad name: \"" + *owner + "\"");
    publish.ppa_owner = *owner;
  }
  if (auto jobs = r.integer("parallel_jobs", 1, 64)) publish.parallel_jobs = static_cast<int>(*jobs);
  if (auto v = r.string("work_dir")) publish.work_dir = r.resolve(*v);
  else publish.work_dir = r.resolve(publish.work_dir.string());
  if (auto v = r.string("mirror_dir")) publish.mirror_dir = r.resolve(*v);
  else publish.mirror_dir = r.resolve(publish.mirror_dir.string());
  if (auto v = r.string("maintainer")) {
    static const std::regex maintainer_shape("[^<>\\n]+ <[^<>@ ]+@[^<> ]+>");
    if (!std::regex_match(*v, maintainer_shape)) r.throw_at(r.line_of("maintainer"), r.qualified("maintainer"), "must be \"Name <email>\", got \"" + *v + "\"");
    publish.maintainer = *v;
  }
  if (auto v = r.choice("executor", {"local", "docker", "kubernetes"})) publish.executor = *v;
  if (auto v = r.string("docker_image_prefix")) publish.docker_image_prefix = *v;
  if (auto v = r.integer("job_timeout_seconds", 10, 86400)) publish.job_timeout = std::chrono::seconds(*v);
  if (auto v = r.choice("dput_method", {"ftp", "local"})) publish.dput_method = *v;
  if (auto v = r.string("dput_fqdn")) publish.dput_fqdn = *v;
  if (auto v = r.string("dput_incoming")) {
    publish.dput_incoming = publish.dput_method == "local" && !v->starts_with("~") ? r.resolve(*v).string() : *v;
  }
  if (auto v = r.integer("upload_attempts", 1, 20)) publish.upload_attempts = static_cast<int>(*v);
  if (auto v = r.choice("rpm_transport", {"local", "ssh", "gcloud"})) publish.rpm_transport = *v;
  const bool remote = publish.rpm_transport != "local";
  if (auto v = r.string("rpm_root")) {
    if (remote && !v->starts_with("/")) {
      r.throw_at(r.line_of("rpm_root"), r.qualified("rpm_root"), "must be an absolute path on the host for rpm_transport = \"" + publish.rpm_transport + "\", got \"" + *v + "\"");
    }
    publish.rpm_root = remote ? std::filesystem::path(*v) : r.resolve(*v);
  } else if (remote) {
    r.throw_at(r.line(), r.qualified("rpm_root"), "is required (an absolute path on the host) for rpm_transport = \"" + publish.rpm_transport + "\"");
  } else {
    publish.rpm_root = r.resolve(publish.rpm_root.string());
  }
  if (auto v = r.string("rpm_host")) {
    static const std::regex host_shape("[A-Za-z0-9_][A-Za-z0-9._-]*(@[A-Za-z0-9._-]+)?");
    if (!std::regex_match(*v, host_shape)) r.throw_at(r.line_of("rpm_host"), r.qualified("rpm_host"), "is not [user@]host: \"" + *v + "\"");
    publish.rpm_host = *v;
  }
  if (auto v = r.integer("rpm_ssh_port", 1, 65535)) publish.rpm_ssh_port = static_cast<int>(*v);
  if (auto v = r.string("rpm_ssh_identity")) publish.rpm_ssh_identity = r.resolve(*v);
  if (const toml::array* options = r.array("rpm_ssh_options")) {
    publish.rpm_ssh_options = read_string_list(r, "rpm_ssh_options", *options);
    for (const std::string& option : publish.rpm_ssh_options) {
      if (option.empty() || option.starts_with("-") || option.find('=') == std::string::npos) {
        r.throw_at(r.line_of("rpm_ssh_options"), r.qualified("rpm_ssh_options"), "each must be Name=value, got \"" + option + "\"");
      }
    }
  }
  if (auto v = r.string("gcloud_args")) publish.gcloud_args = *v;
  if (auto v = r.integer("rpm_keep_versions", 1, 100)) publish.rpm_keep_versions = static_cast<int>(*v);
  if (auto v = r.string("promote_from")) {
    static const std::regex target_shape("[a-z0-9][a-z0-9.+-]{0,63}");
    if (!v->empty() && !std::regex_match(*v, target_shape)) {
      r.throw_at(r.line_of("promote_from"), r.qualified("promote_from"), "is not a target name (a PPA or RPM repository): \"" + v->substr(0, 64) + "\"");
    }
    publish.promote_from = *v;
  }
  if (const toml::array* platforms = r.array("platforms")) read_platforms(r, *platforms, publish, origin);
  if (const toml::table* kubernetes = r.table("kubernetes")) {
    TableReader inner(*kubernetes, r.qualified("kubernetes"), origin);
    read_kubernetes(inner, publish.kubernetes);
  }
  if (const toml::table* components = r.table("components")) {
    for (auto&& [name, node] : *components) {
      const std::string component_name(name.str());
      const std::string key = r.qualified("components") + "." + component_name;
      static const std::regex name_shape("[a-z0-9][a-z0-9._-]{0,63}");
      if (!std::regex_match(component_name, name_shape)) {
        r.throw_at(node.source().begin.line, key, "a component name is lower-case letters, digits, '.', '_' or '-'");
      }
      if (!node.is_table()) r.throw_at(node.source().begin.line, key, "expected a table");
      ComponentConfig* component = nullptr;
      for (ComponentConfig& known : publish.components) {
        if (known.name == component_name) component = &known;
      }
      if (!component) {
        ComponentConfig fresh;
        fresh.name = component_name;
        publish.components.push_back(std::move(fresh));
        component = &publish.components.back();
      }
      TableReader inner(*node.as_table(), key, origin);
      read_component(inner, component_name, *component, publish);
    }
  }
  // A platform list replacing the default: components keep the default platforms that remain
  // (platforms a component table lists are checked as they are read).
  for (ComponentConfig& component : publish.components) {
    std::erase_if(component.platforms, [&](const std::string& platform) { return !publish.find_platform(platform); });
    for (const std::string& platform : component.platforms) {
      if (!publish.find_platform(platform)) {
        r.throw_at(r.line(), r.qualified("components") + "." + component.name + ".platforms",
                   "\"" + platform + "\" is not in publish.platforms; list this component's platforms");
      }
    }
  }
  r.finish();
}

void read_launchpad(TableReader& r, LaunchpadConfig& launchpad) {
  if (auto v = read_http_url(r, "api_root")) launchpad.api_root = *v;
  if (auto v = r.integer("timeout_seconds", 1, 600)) launchpad.timeout = std::chrono::seconds(*v);
  if (auto v = r.integer("min_interval_ms", 0, 60000)) launchpad.min_interval = std::chrono::milliseconds(*v);
  if (auto v = r.integer("poll_first_seconds", 1, 86400)) launchpad.poll_first = std::chrono::seconds(*v);
  if (auto v = r.integer("poll_max_seconds", 1, 86400)) launchpad.poll_max = std::chrono::seconds(*v);
  if (launchpad.poll_max < launchpad.poll_first) {
    r.throw_at(r.line_of("poll_max_seconds"), r.qualified("poll_max_seconds"), "must not be below poll_first_seconds");
  }
  if (auto v = r.integer("reject_after_minutes", 1, 10080)) launchpad.reject_after = std::chrono::minutes(*v);
  r.finish();
}

void read_github(TableReader& r, GitHubConfig& github) {
  if (auto v = read_http_url(r, "api_root")) github.api_root = *v;
  if (auto v = r.integer("timeout_seconds", 1, 600)) github.timeout = std::chrono::seconds(*v);
  static const std::regex id_shape("[1-9][0-9]{0,19}");
  for (auto [key, field] : {std::pair{"app_id", &github.app_id}, std::pair{"installation_id", &github.installation_id}}) {
    if (auto v = r.string(key)) {
      if (!std::regex_match(*v, id_shape)) r.throw_at(r.line_of(key), r.qualified(key), "must be a number in quotes, got \"" + *v + "\"");
      *field = *v;
    }
  }
  if (const toml::array* users = r.array("allowed_users")) {
    static const std::regex login_shape("[A-Za-z0-9](-?[A-Za-z0-9]){0,38}(\\[bot\\])?");
    github.allowed_users = read_string_list(r, "allowed_users", *users);
    for (const std::string& user : github.allowed_users) {
      if (!std::regex_match(user, login_shape)) r.throw_at(r.line_of("allowed_users"), r.qualified("allowed_users"), "\"" + user + "\" is not a GitHub login");
    }
  }
  if (auto v = r.integer("permission_cache_seconds", 0, 86400)) github.permission_cache = std::chrono::seconds(*v);
  if (auto v = r.integer("replies_per_author_per_hour", 0, 10000)) github.replies_per_author_per_hour = static_cast<int>(*v);
  if (auto v = r.string("bot_login")) {
    static const std::regex login_shape("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(\\[bot\\])?");
    if (!std::regex_match(*v, login_shape)) r.throw_at(r.line_of("bot_login"), r.qualified("bot_login"), "is not a GitHub login, got \"" + v->substr(0, 60) + "\"");
    github.bot_login = *v;
  }
  if (auto v = r.integer("write_interval_ms", 0, 60000)) github.write_interval = std::chrono::milliseconds(*v);
  if (auto v = r.integer("retry_first_seconds", 0, 3600)) github.retry_first = std::chrono::seconds(*v);
  if (auto v = r.integer("retry_max_seconds", 1, 86400)) github.retry_max = std::chrono::seconds(*v);
  if (auto v = r.integer("recovery_interval_seconds", 0, 86400)) github.recovery_interval = std::chrono::seconds(*v);
  if (auto v = r.integer("release_approvals", 1, 2)) github.release_approvals = static_cast<int>(*v);
  if (auto v = r.boolean("deployments")) github.deployments = *v;
  if (auto v = r.string("rpm_repository_url")) {
    if (!v->starts_with("https://") && !v->starts_with("http://")) {
      r.throw_at(r.line_of("rpm_repository_url"), r.qualified("rpm_repository_url"), "must be an http(s) URL, got \"" + v->substr(0, 80) + "\"");
    }
    github.rpm_repository_url = v->ends_with("/") ? v->substr(0, v->size() - 1) : *v;
  }
  if ((github.app_id.empty()) != (github.installation_id.empty())) {
    r.throw_at(r.line_of(github.app_id.empty() ? "installation_id" : "app_id"), r.qualified("app_id"), "app_id and installation_id go together");
  }
  r.finish();
}

void read_dispatch(TableReader& r, DispatchConfig& dispatch) {
  if (auto v = r.boolean("enabled")) dispatch.enabled = *v;
  if (auto v = r.integer("max_concurrent_builds", 1, 16)) dispatch.max_concurrent_builds = static_cast<int>(*v);
  if (auto v = r.boolean("nightly")) dispatch.nightly = *v;
  if (auto v = r.integer("master_quiet_minutes", 0, 10080)) dispatch.master_quiet = std::chrono::minutes(*v);
  if (auto v = r.integer("tag_wait_minutes", 0, 10080)) dispatch.tag_wait = std::chrono::minutes(*v);
  if (auto v = r.integer("tag_check_seconds", 1, 3600)) dispatch.tag_check = std::chrono::seconds(*v);
  if (auto v = r.string("nightly_utc")) {
    static const std::regex time_shape("([01][0-9]|2[0-3]):([0-5][0-9])");
    std::smatch match;
    if (!std::regex_match(*v, match, time_shape)) r.throw_at(r.line_of("nightly_utc"), r.qualified("nightly_utc"), "must be HH:MM (UTC), got \"" + *v + "\"");
    dispatch.nightly_hour = std::stoi(match[1]);
    dispatch.nightly_minute = std::stoi(match[2]);
  }
  r.finish();
}

Config build(const toml::table& root, const std::filesystem::path& origin) {
  Config config;
  config.source = origin;
  TableReader top(root, "", origin);
  if (const toml::table* t = top.table("server")) { TableReader r(*t, "server", origin); read_server(r, config.server); }
  if (const toml::table* t = top.table("store")) { TableReader r(*t, "store", origin); read_store(r, config.store); }
  else config.store.path = top.resolve(config.store.path.string());
  if (const toml::table* t = top.table("log")) { TableReader r(*t, "log", origin); read_log(r, config.log); }
  // Kept to the end: the checks across sections name the line of the secret they are about.
  std::optional<TableReader> secrets;
  if (const toml::table* t = top.table("secrets")) {
    secrets.emplace(*t, "secrets", origin);
    read_secrets(*secrets, config.secrets);
  }
  if (const toml::table* t = top.table("publish")) {
    TableReader r(*t, "publish", origin);
    read_publish(r, config.publish, origin);
  } else {
    config.publish.work_dir = top.resolve(config.publish.work_dir.string());
    config.publish.mirror_dir = top.resolve(config.publish.mirror_dir.string());
    config.publish.rpm_root = top.resolve(config.publish.rpm_root.string());
  }
  if (const toml::table* t = top.table("dispatch")) { TableReader r(*t, "dispatch", origin); read_dispatch(r, config.dispatch); }
  if (const toml::table* t = top.table("launchpad")) { TableReader r(*t, "launchpad", origin); read_launchpad(r, config.launchpad); }
  if (const toml::table* t = top.table("github")) { TableReader r(*t, "github", origin); read_github(r, config.github); }
  if (const toml::array* repos = top.array("repositories")) {
    std::size_t index = 0;
    for (const toml::node& entry : *repos) {
      const std::string key = "repositories[" + std::to_string(index++) + "]";
      if (!entry.is_table()) top.throw_at(entry.source().begin.line, key, "expected a table ([[repositories]])");
      TableReader r(*entry.as_table(), key, origin);
      RepositoryConfig repo = read_repository(r);
      for (const RepositoryConfig& other : config.repositories) {
        if (other.name == repo.name) r.throw_at(r.line_of("name"), key + ".name", "\"" + repo.name + "\" is used twice");
        if (config.find_repository(repo.github)) r.throw_at(r.line_of("github"), key + ".github", "\"" + repo.github + "\" is listed twice");
      }
      config.repositories.push_back(std::move(repo));
    }
  }
  top.finish();
  auto secret_line = [&](std::string_view key) { return secrets ? secrets->line_of(key) : 0u; };
  if (config.secrets.webhook_previous_secret.configured() && !config.secrets.webhook_secret.configured()) {
    throw_config_error(origin, secret_line("webhook_previous_secret"), "secrets.webhook_previous_secret",
                       "is set but secrets.webhook_secret is not");
  }
  if (config.secrets.store_password.configured() && config.store.backend != "postgresql") {
    throw_config_error(origin, secret_line("store_password"), "secrets.store_password",
                       "is set but store.backend is not \"postgresql\"");
  }
  if (config.secrets.github_app_private_key.configured() && config.github.app_id.empty()) {
    throw_config_error(origin, secret_line("github_app_private_key"), "secrets.github_app_private_key",
                       "is set but github.app_id and github.installation_id are not");
  }
  {
    // The three make one OAuth access token: all of them or none.
    const std::pair<const SecretSource*, const char*> parts[] = {{&config.secrets.launchpad_consumer_key, "launchpad_consumer_key"},
                                                                 {&config.secrets.launchpad_token, "launchpad_token"},
                                                                 {&config.secrets.launchpad_token_secret, "launchpad_token_secret"}};
    const auto given = std::count_if(std::begin(parts), std::end(parts), [](const auto& part) { return part.first->configured(); });
    const char* set_key = nullptr;
    for (const auto& [source, key] : parts) {
      if (source->configured() && !set_key) set_key = key;
    }
    for (const auto& [source, key] : parts) {
      if (given > 0 && given < 3 && !source->configured()) {
        throw_config_error(origin, secret_line(set_key), std::string("secrets.") + key,
                           "is not set, but the other Launchpad OAuth secrets are: set launchpad_consumer_key, launchpad_token "
                           "and launchpad_token_secret together");
      }
    }
  }
  if (config.secrets.github_app_private_key.configured() && config.secrets.github_token.configured()) {
    throw_config_error(origin, secret_line("github_app_private_key"), "secrets.github_token and secrets.github_app_private_key",
                       "set one, not both");
  }
  return config;
}

}  // namespace

Config parse_config(std::string_view toml_text, const std::filesystem::path& origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin.string());
  } catch (const toml::parse_error& error) {
    throw_config_error(origin, error.source().begin.line, "", std::string(error.description()));
  }
  return build(root, origin);
}

Config load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw_config_error(file, 0, "", "cannot open the configuration file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw_config_error(file, 0, "", "cannot read the configuration file");
  return parse_config(text.str(), std::filesystem::absolute(file).lexically_normal());
}

}  // namespace calico::config
