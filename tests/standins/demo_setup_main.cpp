// demo-setup DIR: what the demo needs before the bot starts, made fresh under DIR:
//   DIR/repos/{felix,networking-calico,dnsmasq,etcd3gw}  Calico-shaped git repositories, and
//   DIR/repos/nettle-dsc/nettle_3.3-1.dsc                 a nettle source package
//     (the v3.4.x release commits are there, untagged: the demo tags v3.4.0 itself)
//   DIR/key/signing-key.asc                                       an unprotected signing key
// It prints the sha of each repository's "Release v3.4.0" commit as NAME=SHA lines.
#include <filesystem>
#include <iostream>

#include "tests/support/calico_fixtures.hpp"
#include "tests/support/gpg_fixture.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: demo-setup DIR\n";
    return 2;
  }
  const std::filesystem::path dir = std::filesystem::absolute(argv[1]);
  try {
    std::filesystem::remove_all(dir / "repos");
    std::filesystem::remove_all(dir / "key");
    std::filesystem::create_directories(dir / "key");
    const auto fixtures = calico::testkit::make_calico_fixtures(dir / "repos", false);
    calico::testkit::make_gpg_key(dir / "key");
    for (const char* name : {"felix", "networking-calico"}) {
      std::cout << name << "=" << fixtures.commits.at(std::string(name) + "@v3.4.0") << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "demo-setup: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
