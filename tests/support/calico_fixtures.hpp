// Tiny real repositories shaped like Project Calico's: each a small package with a real debian/
// directory (3.0 quilt, debhelper) and an RPM spec template, tagged the way the real ones are.
// They are made with git, so tests exercise the same fetch, tag and history code as production.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace calico::testkit {

struct CalicoFixtures {
  std::filesystem::path root;
  // name → path: felix, networking-calico, dnsmasq, etcd3gw, nettle
  std::map<std::string, std::filesystem::path> repos;
  // Interesting commits: "felix@v3.4.1", "felix@master", ...
  std::map<std::string, std::string> commits;
};

// Creates the repositories under `root`. Felix and networking-calico carry v3.4.0 and v3.4.1 on
// master, then two more master commits; dnsmasq carries the per-platform fork tags of DESIGN.md.
CalicoFixtures make_calico_fixtures(const std::filesystem::path& root);

// A bot.toml for them (appended to test_config's) whose [[repositories]] point at the fixtures.
std::string fixture_repositories_toml(const CalicoFixtures& fixtures);

}  // namespace calico::testkit
