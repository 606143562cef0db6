// Launchpad's web service, read anonymously (writes, copyPackage only, signed with OAuth): a PPA's source publications and, for the watcher,
// their build summaries and builds. Collections are asked for in pages of 300 (Launchpad's
// maximum) and followed across pages (next_collection_link).
// Blocking, like the http::Client under it.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bot/http/client.hpp"
#include "bot/http/message.hpp"
#include "bot/launchpad/oauth.hpp"
#include "config/config.hpp"

namespace calico::launchpad {

class LaunchpadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SourcePublication {
  std::string self_link;
  std::string source_package_name;
  std::string source_package_version;
  std::string status;              // Pending, Published, Superseded, Deleted, Obsolete
  std::string distro_series_link;  // …/ubuntu/xenial
  std::string date_published;      // empty while null
  std::string series() const;      // "xenial"
  std::string id() const;          // the last part of self_link: what getBuildSummariesForSourceIds takes
};

struct BuildRecord {
  std::string self_link;
  std::string arch_tag;         // amd64, i386, arm64, …
  std::string buildstate;       // "Needs building", "Successfully built", "Failed to build", …
  std::string build_log_url;    // empty while null
  std::string dependencies;     // what a Dependency wait waits for; empty while null
};

// getBuildSummariesForSourceIds' answer for one source publication. `status`: NEEDSBUILD,
// BUILDING, FAILEDTOBUILD (which also holds Dependency wait), FULLYBUILT_PENDING (built, some
// binaries not yet published) or FULLYBUILT. It hides cancelled and superseded builds and calls a
// source with no builds FULLYBUILT: a cheap sign of *when* to look closer with getBuilds.
struct BuildSummary {
  std::string status;
  std::string date_published;  // the source's; empty while null
};

// The HTTP settings for reading Launchpad as configured: its timeout and polite interval.
http::ClientSettings client_settings(const config::LaunchpadConfig& launchpad);

// Without OAuth the User-Agent is Launchpad's throttling key; its access policy asks for the
// application, its version and a contact.
extern const char* const kUserAgent;

// A query value as Launchpad reads it: every byte outside the unreserved set percent-encoded (a
// raw "+", in every snapshot version, is read as a space).
using http::percent_encode;
// Text JSON-quoted, as launchpadlib sends it: lazr.restful reads a value as JSON first, so a raw
// "3.10" would become 3.1 and "null" would drop the filter.
std::string text_parameter(std::string_view text);
// "ws.op=<operation>&<key>=<text value>…&<key>=<raw value>…".
std::string operation_query(std::string_view operation, const std::vector<std::pair<std::string, std::string>>& text,
                            const std::vector<std::pair<std::string, std::string>>& raw);

// One page of a collection or a summaries answer, parsed (pure: the fuzzer calls these). `next`
// gets the next page's URL ("" on the last). Throws LaunchpadError on any other shape.
std::vector<SourcePublication> parse_sources_page(std::string_view body, std::string& next);
std::vector<BuildRecord> parse_builds_page(std::string_view body, std::string& next);
std::map<std::string, BuildSummary> parse_build_summaries(std::string_view body);

// Archive.copyPackage's parameters: copy `source_name` `version` from the archive `from_archive`
// (its self_link) into the target PPA's Release pocket, in `to_series`.
struct CopyRequest {
  std::string source_name;
  std::string version;
  std::string from_archive;
  std::string to_series;
  bool include_binaries = true;  // the tested binaries, not a rebuild
};

class Client {
 public:
  // `api_root`: "https://api.launchpad.net/1.0" (no trailing slash).
  Client(std::string api_root, http::Client& http);

  // Writes are signed with this token from now on; without one they are refused here.
  void sign_writes_with(OAuthToken token) { token_ = std::move(token); }
  bool can_write() const { return token_.has_value(); }

  // Archive.copyPackage (a named POST, form-encoded) on ~owner/+archive/ubuntu/<to_ppa>. Launchpad
  // only queues a copy job and answers at once: the copy shows as a new source publication in
  // the target later, or never when the job fails. Throws LaunchpadError with Launchpad's own
  // reason when it refuses the request itself (401 unsigned or a bad token, 403, 400).
  void copy_package(const std::string& owner, const std::string& to_ppa, const CopyRequest& request);

  // getPublishedSources on ~owner/+archive/ubuntu/ppa, for one source and optionally one exact
  // version; every status (Launchpad refuses versions it has seen, even deleted ones).
  std::vector<SourcePublication> published_sources(const std::string& owner, const std::string& ppa,
                                                   const std::string& source_name,
                                                   const std::optional<std::string>& version = std::nullopt);

  // The first page of a source's publications, newest versions first (Launchpad's order: name,
  // version descending): what a later build of a snapshot would be among, without reading the
  // name's whole history.
  std::vector<SourcePublication> recent_sources(const std::string& owner, const std::string& ppa, const std::string& source_name);

  // Every source publication of the PPA created since `since` (ISO 8601; empty: all). One
  // collection for any number of watched sources.
  std::vector<SourcePublication> archive_sources(const std::string& owner, const std::string& ppa,
                                                 const std::string& since);
  // getBuildSummariesForSourceIds: one request for any number of the PPA's source publications
  // (by id). Sources Launchpad does not know are absent from the answer.
  std::map<std::string, BuildSummary> build_summaries(const std::string& owner, const std::string& ppa,
                                                      const std::vector<std::string>& source_ids);
  // getBuilds on one source publication.
  std::vector<BuildRecord> builds(const std::string& source_publication_link);

  std::string archive_url(const std::string& owner, const std::string& ppa) const;

 private:
  // Every entry of a collection, following next_collection_link, each page read by `parse_page`.
  template <typename Entry>
  std::vector<Entry> collection(const std::string& url, std::vector<Entry> (*parse_page)(std::string_view, std::string&),
                                int first_pages = 0);
  std::vector<SourcePublication> sources_at(const std::string& url);

  std::string api_root_;
  http::Client& http_;
  std::optional<OAuthToken> token_;
};

}  // namespace calico::launchpad
