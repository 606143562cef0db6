// Launchpad's answers read into the client's types: pure functions of the body, so the fuzzer
// reaches them without a network.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "bot/launchpad/client.hpp"

namespace calico::launchpad {

namespace json = boost::json;

namespace {

std::string text_field(const json::object& entry, std::string_view key) {
  const json::value* value = entry.if_contains(key);
  if (!value || value->is_null()) return {};
  if (const json::string* text = value->if_string()) return std::string(*text);
  return {};
}

// The entries of one collection page, and the next page's URL ("" on the last page).
std::vector<const json::object*> page_entries(const json::value& parsed, std::string& next) {
  const json::object* object = parsed.if_object();
  const json::value* list = object ? object->if_contains("entries") : nullptr;
  if (!list || !list->is_array()) throw LaunchpadError("not a collection (no \"entries\" list)");
  std::vector<const json::object*> entries;
  for (const json::value& entry : list->as_array()) {
    const json::object* fields = entry.if_object();
    if (!fields) throw LaunchpadError("a collection entry is not an object");
    entries.push_back(fields);
  }
  next = text_field(*object, "next_collection_link");
  return entries;
}

json::value parse_json(std::string_view body) {
  boost::system::error_code error;
  json::value parsed = json::parse(body, error);
  if (error) throw LaunchpadError("not JSON: " + error.message());
  return parsed;
}

}  // namespace

std::string SourcePublication::series() const {
  return distro_series_link.substr(distro_series_link.find_last_of('/') + 1);
}

std::string SourcePublication::id() const { return self_link.substr(self_link.find_last_of('/') + 1); }

std::vector<SourcePublication> parse_sources_page(std::string_view body, std::string& next) {
  const json::value parsed = parse_json(body);
  std::vector<SourcePublication> publications;
  for (const json::object* entry : page_entries(parsed, next)) {
    SourcePublication publication;
    publication.self_link = text_field(*entry, "self_link");
    publication.source_package_name = text_field(*entry, "source_package_name");
    publication.source_package_version = text_field(*entry, "source_package_version");
    publication.status = text_field(*entry, "status");
    publication.distro_series_link = text_field(*entry, "distro_series_link");
    publication.date_published = text_field(*entry, "date_published");
    publications.push_back(std::move(publication));
  }
  return publications;
}

std::vector<BuildRecord> parse_builds_page(std::string_view body, std::string& next) {
  const json::value parsed = parse_json(body);
  std::vector<BuildRecord> builds;
  for (const json::object* entry : page_entries(parsed, next)) {
    builds.push_back({text_field(*entry, "self_link"), text_field(*entry, "arch_tag"), text_field(*entry, "buildstate"),
                      text_field(*entry, "build_log_url"), text_field(*entry, "dependencies")});
  }
  return builds;
}

std::map<std::string, BuildSummary> parse_build_summaries(std::string_view body) {
  const json::value parsed = parse_json(body);
  const json::object* object = parsed.if_object();
  if (!object) throw LaunchpadError("not an object of build summaries");
  std::map<std::string, BuildSummary> summaries;
  for (const auto& [id, value] : *object) {
    const json::object* summary = value.if_object();
    if (!summary) throw LaunchpadError("the summary of " + std::string(id).substr(0, 40) + " is not an object");
    summaries[std::string(id)] = {text_field(*summary, "status"), text_field(*summary, "date_published")};
  }
  return summaries;
}

}  // namespace calico::launchpad
