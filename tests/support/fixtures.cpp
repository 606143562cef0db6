#include "tests/support/fixtures.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "config/loader.hpp"

#ifndef CALICO_TEST_DATA_DIR
#error "CALICO_TEST_DATA_DIR must point at tests/data"
#endif
#ifndef CALICO_TEST_SCRATCH_DIR
#error "CALICO_TEST_SCRATCH_DIR must point at a writable directory"
#endif

namespace calico::testkit {

std::string payload(const std::string& name) {
  const std::filesystem::path file = std::filesystem::path(CALICO_TEST_DATA_DIR) / "payloads" / name;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

ScratchDir::ScratchDir() {
  std::random_device random;
  path_ = std::filesystem::path(CALICO_TEST_SCRATCH_DIR) / ("t-" + std::to_string(random()) + std::to_string(random()));
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  if (!std::getenv("CALICO_KEEP_SCRATCH")) std::filesystem::remove_all(path_, ignored);
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

store::Delivery push_delivery(const std::string& guid, const std::string& payload) {
  return {guid, "push", "", "projectcalico/felix", payload, "2026-01-01T00:00:00.000Z"};
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

config::Config test_config(const std::filesystem::path& dir) {
  write_file(dir / "secret", std::string(kTestSecret) + "\n");
  write_file(dir / "previous-secret", kPreviousSecret);
  const std::string text = R"(
[server]
port = 0
shutdown_grace_seconds = 5
[store]
path = "state.sqlite"
[log]
level = "warn"
[dispatch]
enabled = false
[secrets]
webhook_secret = { file = "secret" }
webhook_previous_secret = { file = "previous-secret" }
[[repositories]]
name = "felix"
github = "projectcalico/felix"
url = "repos/felix"
[[repositories]]
name = "networking-calico"
github = "projectcalico/networking-calico"
url = "repos/networking-calico"
[[repositories]]
name = "dnsmasq"
github = "projectcalico/calico-dnsmasq"
url = "repos/dnsmasq"
release_tags = false
)" + std::string(kDefaultPlatformsBuiltOnHost);
  write_file(dir / "bot.toml", text);
  return config::load_config(dir / "bot.toml");
}

}  // namespace calico::testkit
