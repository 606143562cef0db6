// Tiny real repositories shaped like Project Calico's: each a small package with a real debian/
// directory (3.0 quilt, debhelper) and an RPM spec template, tagged the way the real ones are.
// They are made with git, so tests exercise the same fetch, tag and history code as production.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "builders/deb/source_package.hpp"
#include "builders/git/mirror.hpp"
#include "builders/versions.hpp"

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
// Without `release_tags` the v3.4.x commits are there untagged (the demo tags them itself).
CalicoFixtures make_calico_fixtures(const std::filesystem::path& root, bool release_tags = true);

// A fixture repository exported at `checkout` into `tree`, with the version the procedure's rules
// give it (release for a tagged commit, snapshot otherwise).
struct FixtureCheckout {
  std::string sha;
  builders::git::CommitFacts facts;
  builders::PackageVersion version;
};
FixtureCheckout export_fixture(const CalicoFixtures& fixtures, const std::string& repo, const std::string& checkout,
                               const std::filesystem::path& tree, unsigned epoch = 0);

// A minimal real, unsigned source package `source` 1.2.3 for `series`, built under `job_dir`:
// for the signing and upload tests, which need a package but not a Calico one.
builders::deb::SourceArtifacts tiny_source_package(const std::filesystem::path& job_dir, const std::string& source,
                                                   const std::string& series);

// A bot.toml for them (appended to test_config's) whose [[repositories]] point at the fixtures.
std::string fixture_repositories_toml(const CalicoFixtures& fixtures);

}  // namespace calico::testkit
