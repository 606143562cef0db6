#include "config/config.hpp"

#include <algorithm>
#include <cctype>

namespace calico::config {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

const RepositoryConfig* Config::find_repository(std::string_view full_name) const {
  for (const RepositoryConfig& repo : repositories) {
    if (iequals(repo.github, full_name)) return &repo;
  }
  return nullptr;
}

const RepositoryConfig* Config::find_repository_by_name(std::string_view name) const {
  for (const RepositoryConfig& repo : repositories) {
    if (repo.name == name) return &repo;
  }
  return nullptr;
}

const std::string* ComponentConfig::ref_for(std::string_view platform) const {
  for (const auto& [name, ref] : refs) {
    if (name == platform) return &ref;
  }
  return nullptr;
}

bool ComponentConfig::builds_on(std::string_view platform) const {
  return std::find(platforms.begin(), platforms.end(), platform) != platforms.end();
}

const PlatformConfig* PublishConfig::find_platform(std::string_view name) const {
  for (const PlatformConfig& platform : platforms) {
    if (platform.name == name) return &platform;
  }
  return nullptr;
}

const ComponentConfig* PublishConfig::find_component(std::string_view name) const {
  for (const ComponentConfig& component : components) {
    if (component.name == name) return &component;
  }
  return nullptr;
}

const ComponentConfig* PublishConfig::find_step(std::string_view step) const {
  for (const ComponentConfig& component : components) {
    if (component.step == step) return &component;
  }
  return nullptr;
}

// What CentOS 7's own rpm macros say, for rpmbuild on a host that is not CentOS 7 (the local
// executor): the specs test %{?el7} and use %{_unitdir} and %{__python3}.
const std::vector<std::string> kCentos7Macros = {"el7 1", "rhel 7", "_unitdir /usr/lib/systemd/system",
                                                 "__python3 /usr/bin/python3", "__python2 /usr/bin/python2"};

PublishConfig default_publish_config() {
  PublishConfig publish;
  publish.platforms = {{"trusty", PackageKind::deb, "", {}, "", std::nullopt},
                       {"xenial", PackageKind::deb, "", {}, "", std::nullopt},
                       {"bionic", PackageKind::deb, "", {}, "", std::nullopt},
                       {"focal", PackageKind::deb, "", {}, "", std::nullopt},
                       {"centos7", PackageKind::rpm, ".el7", kCentos7Macros, "", std::nullopt}};
  const std::vector<std::string> all = {"trusty", "xenial", "bionic", "focal", "centos7"};

  ComponentConfig networking_calico;
  networking_calico.name = "networking-calico";
  networking_calico.step = "net_cal";
  networking_calico.title = "networking-calico";
  networking_calico.upstream_url = "https://github.com/projectcalico/networking-calico.git";
  networking_calico.variable = "NETWORKING_CALICO";
  networking_calico.python2_tag = true;
  networking_calico.platforms = all;
  networking_calico.epoch = 1;
  networking_calico.version_file = "setup.py";

  ComponentConfig felix;
  felix.name = "felix";
  felix.step = "felix";
  felix.title = "Felix";
  felix.upstream_url = "https://github.com/projectcalico/felix.git";
  felix.variable = "FELIX";
  felix.platforms = all;
  // Felix ships a prebuilt binary: its Go build needs Calico's containerised toolchain.
  felix.pre_build = {{{"make", "bin/calico-felix"}, "", ""},
                     {{"rm", "-f", "bin/calico-felix-amd64"}, "", ""},
                     {{"make", "build-bpf"}, "Makefile", "build-bpf"}};
  felix.exclude = {"bin/calico-felix-*", "bpf-gpl/bin/test_*", ".gitignore", "*.d", "*.ll", ".go-pkg-cache", "vendor", "report"};

  ComponentConfig etcd3gw;
  etcd3gw.name = "etcd3gw";
  etcd3gw.step = "etcd3gw";
  etcd3gw.title = "etcd3gw";
  etcd3gw.variable = "ETCD3GW";
  etcd3gw.enabled = false;  // PACKAGE_ETCD3GW=true: Python 2 RPMs only, on request
  etcd3gw.source_kind = SourceKind::refs;
  etcd3gw.upstream_url = "https://github.com/dims/etcd3-gateway.git";
  etcd3gw.platforms = {"centos7"};
  etcd3gw.refs = {{"centos7", "5a3157a122368c2314c7a961f61722e47355f981"}};
  etcd3gw.changelog = ChangelogMode::keep;
  etcd3gw.spec_source = "https://github.com/projectcalico/packaging.git";
  etcd3gw.spec = "etcd3gw/rpm/python-etcd3gw.spec";

  ComponentConfig dnsmasq;
  dnsmasq.name = "dnsmasq";
  dnsmasq.step = "dnsmasq";
  dnsmasq.title = "dnsmasq";
  dnsmasq.variable = "DNSMASQ";
  dnsmasq.source_kind = SourceKind::refs;
  dnsmasq.upstream_url = "https://github.com/projectcalico/calico-dnsmasq.git";
  // bionic's and focal's own dnsmasq is new enough (>= 2.79): no fork build there.
  dnsmasq.platforms = {"trusty", "xenial", "centos7"};
  dnsmasq.refs = {{"trusty", "2.79test1calico1-3-trusty"}, {"xenial", "2.79test1calico1-2-xenial"}, {"centos7", "rpm_2.79"}};
  dnsmasq.changelog = ChangelogMode::retarget_all;  // the xenial tag's changelog still says trusty

  ComponentConfig nettle;
  nettle.name = "nettle";
  nettle.step = "nettle";
  nettle.title = "nettle";
  nettle.variable = "NETTLE";
  nettle.optional = true;
  nettle.source_kind = SourceKind::dsc;
  nettle.platforms = {"xenial"};  // dnsmasq on xenial needs libnettle6 >= 3.3
  nettle.refs = {{"xenial", "https://launchpad.net/ubuntu/+archive/primary/+sourcefiles/nettle/3.3-1/nettle_3.3-1.dsc"}};
  nettle.changelog = ChangelogMode::retarget_first;

  publish.components = {networking_calico, felix, etcd3gw, dnsmasq, nettle};
  return publish;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

std::string_view to_string(LogFormat format) { return format == LogFormat::json ? "json" : "logfmt"; }

}  // namespace calico::config

namespace calico::config {

std::string ServerConfig::status_page_url() const {
  if (!public_url.empty()) return public_url;
  const bool any_address = listen_address == "0.0.0.0" || listen_address == "::";
  const std::string host = any_address ? "127.0.0.1" : listen_address;
  return "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::vector<std::pair<const SecretSource*, const char*>> SecretsConfig::all() const {
  return {{&webhook_secret, "secrets.webhook_secret"},
          {&webhook_previous_secret, "secrets.webhook_previous_secret"},
          {&github_token, "secrets.github_token"},
          {&github_app_private_key, "secrets.github_app_private_key"},
          {&gpg_secret_key, "secrets.gpg_secret_key"},
          {&gpg_passphrase, "secrets.gpg_passphrase"},
          {&rpm_gpg_secret_key, "secrets.rpm_gpg_secret_key"},
          {&rpm_gpg_passphrase, "secrets.rpm_gpg_passphrase"},
          {&store_password, "secrets.store_password"},
          {&launchpad_consumer_key, "secrets.launchpad_consumer_key"},
          {&launchpad_token, "secrets.launchpad_token"},
          {&launchpad_token_secret, "secrets.launchpad_token_secret"}};
}

std::vector<std::string> SecretsConfig::variables() const {
  std::vector<std::string> names;
  for (const auto& [source, key] : all()) {
    if (source->kind == SecretSource::Kind::env) names.push_back(source->env);
  }
  return names;
}

StoreConfig with_store_password(const Config& config) {
  StoreConfig store = config.store;
  if (config.secrets.store_password.configured()) store.password = load_secret(config.secrets.store_password, "secrets.store_password");
  return store;
}

}  // namespace calico::config
