// Launchpad's web service, read anonymously: a PPA's source publications (and, for the watcher,
// their builds and binaries). Collections are followed across pages (next_collection_link).
// Blocking, like the http::Client under it.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bot/http/client.hpp"

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
};

class Client {
 public:
  // `api_root`: "https://api.launchpad.net/1.0" (no trailing slash).
  Client(std::string api_root, http::Client& http);

  // getPublishedSources on ~owner/+archive/ubuntu/ppa, for one source and optionally one exact
  // version; every status (Launchpad refuses versions it has seen, even deleted ones).
  std::vector<SourcePublication> published_sources(const std::string& owner, const std::string& ppa,
                                                   const std::string& source_name,
                                                   const std::optional<std::string>& version = std::nullopt);

  std::string archive_url(const std::string& owner, const std::string& ppa) const;

 private:
  // Every entry of a collection, following next_collection_link. Each entry as JSON text.
  std::vector<std::string> collection(const std::string& url);

  std::string api_root_;
  http::Client& http_;
};

}  // namespace calico::launchpad
