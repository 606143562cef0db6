// A stand-in for Launchpad's web service on loopback, serving the real API's JSON shapes:
// collections with total_size, start, entries and next_collection_link, entries with self_link,
// resource_type_link, status, date_published, source_package_name/version and distro_series_link.
// It pages like Launchpad (ws.start, ws.size), and can be told to answer 503 or to hang.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bot/http/message.hpp"

namespace calico::testkit {

struct FakeBuild {
  std::string arch;
  std::string buildstate = "Needs building";
  std::string build_log_url = {};
};

struct FakeBinary {
  std::string arch;
  std::string status = "Pending";
};

struct FakeSource {
  std::string owner;
  std::string ppa;
  std::string name;
  std::string version;
  std::string series;
  std::string status = "Published";
  std::vector<FakeBuild> builds = {};
  std::vector<FakeBinary> binaries = {};
};

class LoopbackServer;

class FakeLaunchpad {
 public:
  explicit FakeLaunchpad(std::uint16_t port = 0);  // 0: an ephemeral port
  ~FakeLaunchpad();

  std::string api_root() const;  // "http://127.0.0.1:<port>/1.0"
  void add_source(FakeSource source);
  // Scripting a source's life: its publication status, a build's state, a binary's status. With
  // `ppa` only that PPA's upload changes (the same source and version may be in several).
  void set_source_status(const std::string& name, const std::string& version, const std::string& status,
                         const std::string& ppa = "");
  void set_build(const std::string& name, const std::string& version, const FakeBuild& build, const std::string& ppa = "");
  void set_binary(const std::string& name, const std::string& version, const FakeBinary& binary,
                  const std::string& ppa = "");
  void set_page_size(int size);
  // The next `count` requests get `status` (with a Retry-After header when given).
  void fail_next(int count, int status = 503, int retry_after_seconds = 0);
  void hang_for(std::chrono::milliseconds delay);  // every answer waits this long
  int requests() const { return requests_.load(); }

 private:
  class Handler;
  std::unique_ptr<Handler> handler_;
  std::unique_ptr<LoopbackServer> server_;
  std::atomic<int> requests_{0};
  std::string api_root_;  // fixed once listening: handlers read it while the server shuts down
};

}  // namespace calico::testkit
