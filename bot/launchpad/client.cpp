#include "bot/launchpad/client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/url.hpp>

namespace calico::launchpad {

namespace json = boost::json;

namespace {

constexpr int kMaxPages = 1000;  // a loop guard: no real collection is this long

std::string text_field(const json::object& entry, std::string_view key) {
  const json::value* value = entry.if_contains(key);
  if (!value || value->is_null()) return {};
  if (const json::string* text = value->if_string()) return std::string(*text);
  return {};
}

}  // namespace

http::ClientSettings client_settings(const config::LaunchpadConfig& launchpad) {
  return {"calico-release-bot", launchpad.timeout, 4, std::chrono::milliseconds(500), launchpad.min_interval};
}

std::string SourcePublication::series() const {
  return distro_series_link.substr(distro_series_link.find_last_of('/') + 1);
}

Client::Client(std::string api_root, http::Client& http) : api_root_(std::move(api_root)), http_(http) {}

std::string Client::archive_url(const std::string& owner, const std::string& ppa) const {
  return api_root_ + "/~" + owner + "/+archive/ubuntu/" + ppa;
}

std::vector<std::string> Client::collection(const std::string& first_url) {
  std::vector<std::string> entries;
  std::string url = first_url;
  for (int page = 0; !url.empty(); ++page) {
    if (page == kMaxPages) throw LaunchpadError("more than " + std::to_string(kMaxPages) + " pages at " + first_url);
    const http::ClientResponse response = http_.get(url, {{"Accept", "application/json"}});
    if (response.status != 200) {
      throw LaunchpadError("GET " + url + " answered HTTP " + std::to_string(response.status));
    }
    boost::system::error_code error;
    const json::value parsed = json::parse(response.body, error);
    const json::object* object = error ? nullptr : parsed.if_object();
    const json::value* list = object ? object->if_contains("entries") : nullptr;
    if (!list || !list->is_array()) throw LaunchpadError("GET " + url + " did not return a collection");
    for (const json::value& entry : list->as_array()) entries.push_back(json::serialize(entry));
    url = text_field(*object, "next_collection_link");
  }
  return entries;
}

std::vector<SourcePublication> Client::sources_at(const std::string& url) {
  std::vector<SourcePublication> publications;
  for (const std::string& text : collection(url)) {
    const json::value parsed = json::parse(text);
    const json::object& entry = parsed.as_object();
    SourcePublication publication;
    publication.self_link = text_field(entry, "self_link");
    publication.source_package_name = text_field(entry, "source_package_name");
    publication.source_package_version = text_field(entry, "source_package_version");
    publication.status = text_field(entry, "status");
    publication.distro_series_link = text_field(entry, "distro_series_link");
    publication.date_published = text_field(entry, "date_published");
    publications.push_back(std::move(publication));
  }
  return publications;
}

std::vector<SourcePublication> Client::published_sources(const std::string& owner, const std::string& ppa,
                                                         const std::string& source_name,
                                                         const std::optional<std::string>& version) {
  boost::urls::url url(archive_url(owner, ppa));
  url.params().append({"ws.op", "getPublishedSources"});
  url.params().append({"source_name", source_name});
  if (version) url.params().append({"version", *version});
  url.params().append({"exact_match", "true"});
  return sources_at(std::string(url.buffer()));
}

std::vector<SourcePublication> Client::archive_sources(const std::string& owner, const std::string& ppa,
                                                       const std::string& since) {
  boost::urls::url url(archive_url(owner, ppa));
  url.params().append({"ws.op", "getPublishedSources"});
  if (!since.empty()) url.params().append({"created_since_date", since});
  return sources_at(std::string(url.buffer()));
}

std::vector<BinaryPublication> Client::archive_binaries(const std::string& owner, const std::string& ppa,
                                                        const std::string& since) {
  boost::urls::url url(archive_url(owner, ppa));
  url.params().append({"ws.op", "getPublishedBinaries"});
  if (!since.empty()) url.params().append({"created_since_date", since});
  std::vector<BinaryPublication> binaries;
  for (const std::string& text : collection(std::string(url.buffer()))) {
    const json::value parsed = json::parse(text);
    const json::object& entry = parsed.as_object();
    BinaryPublication binary;
    binary.self_link = text_field(entry, "self_link");
    binary.binary_package_name = text_field(entry, "binary_package_name");
    binary.binary_package_version = text_field(entry, "binary_package_version");
    binary.source_package_name = text_field(entry, "source_package_name");
    binary.source_package_version = text_field(entry, "source_package_version");
    binary.status = text_field(entry, "status");
    binary.date_published = text_field(entry, "date_published");
    binary.distro_arch_series_link = text_field(entry, "distro_arch_series_link");
    binary.build_link = text_field(entry, "build_link");
    binaries.push_back(std::move(binary));
  }
  return binaries;
}

std::vector<BuildRecord> Client::builds(const std::string& source_publication_link) {
  boost::urls::url url(source_publication_link);
  url.params().append({"ws.op", "getBuilds"});
  std::vector<BuildRecord> builds;
  for (const std::string& text : collection(std::string(url.buffer()))) {
    const json::value parsed = json::parse(text);
    const json::object& entry = parsed.as_object();
    builds.push_back({text_field(entry, "self_link"), text_field(entry, "arch_tag"), text_field(entry, "buildstate"),
                      text_field(entry, "build_log_url")});
  }
  return builds;
}

std::string BinaryPublication::arch() const {
  return distro_arch_series_link.substr(distro_arch_series_link.find_last_of('/') + 1);
}

}  // namespace calico::launchpad
