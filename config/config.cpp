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
  for (const auto& [component_name, component] : components) {
    if (component_name == name) return &component;
  }
  return nullptr;
}

PublishConfig default_publish_config() {
  PublishConfig publish;
  publish.platforms = {{"trusty", PackageKind::deb, ""},
                       {"xenial", PackageKind::deb, ""},
                       {"bionic", PackageKind::deb, ""},
                       {"centos7", PackageKind::rpm, ".el7"}};
  const std::vector<std::string> all = {"trusty", "xenial", "bionic", "centos7"};
  publish.components = {
      {"networking-calico", {all, {}, "", "https://github.com/projectcalico/networking-calico.git", 0}},
      {"felix", {all, {}, "", "https://github.com/projectcalico/felix.git", 0}},
      {"etcd3gw", {{"centos7"}, {{"centos7", "0.2.4"}}, "", "https://opendev.org/openstack/etcd3gw.git", 0}},
      // bionic's own dnsmasq is new enough (>= 2.79): no fork build there.
      {"dnsmasq",
       {{"trusty", "xenial", "centos7"},
        {{"trusty", "2.79test1calico1-3-trusty"}, {"xenial", "2.79test1calico1-2-xenial"}, {"centos7", "rpm_2.79"}},
        "",
        "https://github.com/projectcalico/calico-dnsmasq.git",
        0}},
      {"nettle", {{"xenial"}, {{"xenial", "nettle_3.3_release_20161001"}}, "", "https://git.lysator.liu.se/nettle/nettle.git", 0}},
  };
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

}  // namespace calico::config
