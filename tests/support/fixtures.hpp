// Helpers shared by the test suites: payload fixtures, scratch directories, test configurations.
#pragma once

#include <filesystem>
#include <string>

#include "bot/store/deliveries.hpp"
#include "config/config.hpp"

namespace calico::testkit {

// The text of tests/data/payloads/<name>.
std::string payload(const std::string& name);

// A fresh, empty directory under the build tree's scratch area, removed by the destructor.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline constexpr const char* kTestSecret = "test-webhook-secret";
inline constexpr const char* kPreviousSecret = "previous-webhook-secret";

// A configuration for an in-process service: port 0, store under `dir`, the test secret in a file
// (and the previous one too), Felix, networking-calico and dnsmasq as watched repositories, and
// the dispatcher off (these tests look at the queue it would empty).
config::Config test_config(const std::filesystem::path& dir);

// The default platforms, with centos7 marked as built on this (Debian) host: without that the
// local executor refuses a configuration holding an rpm platform this host is not (check-config
// and serve exit 3). For test configurations that keep the default executor.
inline constexpr const char* kDefaultPlatformsBuiltOnHost = R"(
[[publish.platforms]]
name = "trusty"
kind = "deb"
[[publish.platforms]]
name = "xenial"
kind = "deb"
[[publish.platforms]]
name = "bionic"
kind = "deb"
[[publish.platforms]]
name = "focal"
kind = "deb"
[[publish.platforms]]
name = "centos7"
kind = "rpm"
rpm_dist = ".el7"
build_on_host = true
)";

// The whole text of `file`.
std::string read_text(const std::filesystem::path& file);

// Writes `text` to `file`.
void write_file(const std::filesystem::path& file, const std::string& text);

// A push delivery as the store records it (Felix, master, received at a fixed time).
store::Delivery push_delivery(const std::string& guid, const std::string& payload = R"({"ref":"refs/heads/master"})");

// A loopback port nothing listens on now, for a server a test starts (the kernel's choice).
int free_port();

}  // namespace calico::testkit
