// A local stand-in for a Launchpad PPA, for the demo and the end-to-end test: it takes the
// uploads `dput` (method local) leaves in an incoming directory, builds their binary packages for
// real (dpkg-source -x, dpkg-buildpackage -b), keeps an apt repository of them per series, and
// serves the Launchpad API shapes the bot's watcher reads (tests/support/fake_launchpad), moving
// each upload through Pending → building → built (binaries Pending: FULLYBUILT_PENDING) →
// Published as real Launchpad does: its publisher runs `publish_delay` after a build finishes.
// Copies (Archive.copyPackage, signed) are run by its job runner on the next scan: a copy with
// binaries puts the very .debs built for the source PPA into the target's apt repository, and
// is published `publish_delay` later, like an upload.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fake_launchpad.hpp"

namespace calico::testkit {

struct PpaStandinSettings {
  std::filesystem::path incoming;  // uploads land in <incoming>/<owner>/<ppa>/
  std::filesystem::path archive;   // apt repositories: <archive>/<owner>/<ppa>/<series>/ (flat: Packages, Release)
  std::filesystem::path work;      // unpacked sources, binary builds and their logs
  std::uint16_t port = 0;
  std::chrono::milliseconds scan_interval{500};
  std::chrono::milliseconds publish_delay{std::chrono::seconds(5)};
  // Launchpad writes (copyPackage) are accepted when signed with this token; unset: refused.
  std::optional<FakeOAuthToken> token = {};
};

// The fields of a .changes file the stand-in needs.
struct ChangesFile {
  std::string source;
  std::string version;
  std::string distribution;
  std::vector<std::string> files;  // names listed under Files:
};
// Reads a (possibly clear-signed) .changes; throws std::runtime_error naming the file and field.
ChangesFile read_changes(const std::filesystem::path& path);

class PpaStandin {
 public:
  explicit PpaStandin(PpaStandinSettings settings);
  ~PpaStandin();

  std::string api_root() const { return launchpad_.api_root(); }
  void start();
  void stop();
  // One scan of the incoming directory: builds every new upload; returns how many it took.
  std::size_t scan_once();
  int published() const { return published_.load(); }
  int failed() const { return failed_.load(); }

 private:
  void build(const std::filesystem::path& changes, const std::string& owner, const std::string& ppa);
  // Launchpad's job runner: each copy job done puts the source's .debs into the target.
  void run_copies();
  // Packages and Release of a flat apt repository, made again.
  void index(const std::filesystem::path& repository, const std::string& series, const std::filesystem::path& log);
  // The publisher's run: publishes the binaries of builds finished `publish_delay` ago.
  void publish_due();

  struct Built {
    std::string source;
    std::string version;
    std::string ppa;
    std::chrono::steady_clock::time_point publish_at;
  };

  PpaStandinSettings settings_;
  FakeLaunchpad launchpad_;
  std::set<std::filesystem::path> seen_;
  std::vector<Built> unpublished_;
  std::atomic<int> published_{0};
  std::atomic<int> failed_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace calico::testkit
