#include "bot/launchpad/client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/url.hpp>

#include <cctype>
#include <charconv>
#include <chrono>
#include <random>

namespace calico::launchpad {

namespace json = boost::json;

namespace {

constexpr int kMaxPages = 1000;  // a loop guard: no real collection is this long
// Launchpad's largest page (more is a 400); its default is 75.
constexpr const char* kPageSize = "300";

}  // namespace

const char* const kUserAgent = "calico-release-bot/" CALICO_VERSION " (+https://github.com/projectcalico/calico-release-bot)";


std::string text_parameter(std::string_view text) { return percent_encode(json::serialize(json::string(text))); }

std::string operation_query(std::string_view operation, const std::vector<std::pair<std::string, std::string>>& text,
                            const std::vector<std::pair<std::string, std::string>>& raw) {
  std::string query = "ws.op=" + percent_encode(operation);
  for (const auto& [key, value] : text) query += "&" + key + "=" + text_parameter(value);
  for (const auto& [key, value] : raw) query += "&" + key + "=" + percent_encode(value);
  return query;
}

http::ClientSettings client_settings(const config::LaunchpadConfig& launchpad) {
  return {kUserAgent, launchpad.timeout, 4, std::chrono::milliseconds(500), launchpad.min_interval};
}


Client::Client(std::string api_root, http::Client& http) : api_root_(std::move(api_root)), http_(http) {}

std::string Client::archive_url(const std::string& owner, const std::string& ppa) const {
  return api_root_ + "/~" + owner + "/+archive/ubuntu/" + ppa;
}

template <typename Entry>
std::vector<Entry> Client::collection(const std::string& first_url,
                                      std::vector<Entry> (*parse_page)(std::string_view, std::string&), int first_pages) {
  std::vector<Entry> entries;
  std::string url = first_url;
  for (int page = 0; !url.empty(); ++page) {
    if (first_pages > 0 && page == first_pages) break;  // only the first pages were asked for
    if (page == kMaxPages) throw LaunchpadError("more than " + std::to_string(kMaxPages) + " pages at " + first_url);
    const http::ClientResponse response = http_.get(url, {{"Accept", "application/json"}});
    if (response.status != 200) {
      throw LaunchpadError("GET " + url + " answered HTTP " + std::to_string(response.status));
    }
    std::string next;
    try {
      for (Entry& entry : parse_page(response.body, next)) entries.push_back(std::move(entry));
    } catch (const LaunchpadError& e) {
      throw LaunchpadError("GET " + url + ": " + e.what());
    }
    url = next;
  }
  return entries;
}

std::vector<SourcePublication> Client::sources_at(const std::string& url) { return collection(url, parse_sources_page); }

std::vector<SourcePublication> Client::published_sources(const std::string& owner, const std::string& ppa,
                                                         const std::string& source_name,
                                                         const std::optional<std::string>& version) {
  boost::urls::url url(archive_url(owner, ppa));
  std::vector<std::pair<std::string, std::string>> text{{"source_name", source_name}};
  if (version) text.emplace_back("version", *version);
  url.set_encoded_query(operation_query("getPublishedSources", text, {{"exact_match", "true"}, {"ws.size", kPageSize}}));
  return sources_at(std::string(url.buffer()));
}

std::vector<SourcePublication> Client::recent_sources(const std::string& owner, const std::string& ppa,
                                                      const std::string& source_name) {
  boost::urls::url url(archive_url(owner, ppa));
  url.set_encoded_query(
      operation_query("getPublishedSources", {{"source_name", source_name}}, {{"exact_match", "true"}, {"ws.size", kPageSize}}));
  return collection(std::string(url.buffer()), parse_sources_page, 1);
}

std::vector<SourcePublication> Client::archive_sources(const std::string& owner, const std::string& ppa,
                                                       const std::string& since) {
  boost::urls::url url(archive_url(owner, ppa));
  std::vector<std::pair<std::string, std::string>> text;
  if (!since.empty()) text.emplace_back("created_since_date", since);
  url.set_encoded_query(operation_query("getPublishedSources", text, {{"ws.size", kPageSize}}));
  return sources_at(std::string(url.buffer()));
}

std::map<std::string, BuildSummary> Client::build_summaries(const std::string& owner, const std::string& ppa,
                                                            const std::vector<std::string>& source_ids) {
  if (source_ids.empty()) return {};
  json::array ids;
  for (const std::string& id : source_ids) {
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), number);
    if (error != std::errc() || end != id.data() + id.size()) throw LaunchpadError("not a source publication id: " + id);
    ids.push_back(number);
  }
  boost::urls::url url(archive_url(owner, ppa));
  url.set_encoded_query(operation_query("getBuildSummariesForSourceIds", {}, {{"source_ids", json::serialize(ids)}}));
  const std::string target(url.buffer());
  const http::ClientResponse response = http_.get(target, {{"Accept", "application/json"}});
  if (response.status != 200) throw LaunchpadError("GET " + target + " answered HTTP " + std::to_string(response.status));
  try {
    return parse_build_summaries(response.body);
  } catch (const LaunchpadError& e) {
    throw LaunchpadError("GET " + target + ": " + e.what());
  }
}

void Client::copy_package(const std::string& owner, const std::string& to_ppa, const CopyRequest& request) {
  if (!token_) {
    throw LaunchpadError("copying " + request.source_name + " " + request.version +
                         " needs Launchpad's OAuth token: set secrets.launchpad_consumer_key, launchpad_token and launchpad_token_secret");
  }
  // A fresh nonce per request (Launchpad refuses a nonce it has seen with the same timestamp).
  static thread_local std::mt19937_64 random{std::random_device{}()};
  const std::string nonce = std::to_string(random());
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string target = archive_url(owner, to_ppa);
  const std::string body = operation_query(
      "copyPackage", {{"source_name", request.source_name}, {"version", request.version}, {"to_pocket", "Release"}, {"to_series", request.to_series}},
      {{"from_archive", request.from_archive}, {"include_binaries", request.include_binaries ? "true" : "false"}});
  const http::ClientResponse response =
      http_.request("POST", target,
                    {{"Accept", "application/json"},
                     {"Content-Type", "application/x-www-form-urlencoded"},
                     {"Authorization", oauth_plaintext_authorization(*token_, nonce, now)}},
                    body);
  if (response.status == 200 || response.status == 201) return;
  std::string reason = response.body.substr(0, 300);
  for (char& c : reason) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  while (!reason.empty() && reason.back() == ' ') reason.pop_back();
  throw LaunchpadError("copyPackage of " + request.source_name + " " + request.version + " into ~" + owner + "/" + to_ppa +
                       " answered HTTP " + std::to_string(response.status) + (reason.empty() ? "" : ": " + reason));
}

std::vector<BuildRecord> Client::builds(const std::string& source_publication_link) {
  boost::urls::url url(source_publication_link);
  url.set_encoded_query(operation_query("getBuilds", {}, {{"ws.size", kPageSize}}));
  return collection(std::string(url.buffer()), parse_builds_page);
}


}  // namespace calico::launchpad
