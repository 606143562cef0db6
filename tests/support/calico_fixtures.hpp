// Tiny real repositories shaped like Project Calico's real ones (../shared/upstream): Felix and
// networking-calico with debian/ in 3.0 (native) and no changelog (it is generated), an
// rpm/<name>.spec.in with Version:/Release: lines to fill, a vX.Y.0-0.dev tag opening the next
// series on master; Felix with a Makefile whose bin/calico-felix and build-bpf targets make its
// binary; networking-calico with setup.py's version="0.0.0" and Epoch: 1; dnsmasq's fork with a
// 1.0-format debian/ and its own changelog per platform tag and a finished rpm/dnsmasq.spec;
// etcd3gw with a finished spec; nettle as a .dsc source package. They are made with git and
// dpkg-source, so tests exercise the same fetch, tag, history and packaging code as production.
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
  // name → path: felix, networking-calico, dnsmasq, etcd3gw (git repositories)
  std::map<std::string, std::filesystem::path> repos;
  std::filesystem::path nettle_dsc;  // nettle_3.3-1.dsc with its files beside it
  // Interesting commits: "felix@v3.4.1", "felix@master", ...
  std::map<std::string, std::string> commits;
};

// Creates the repositories under `root`. Felix and networking-calico carry v3.4.0-0.dev, v3.4.0
// and v3.4.1 on master, then v3.5.0-0.dev and two more master commits; dnsmasq carries the
// per-platform fork tags of DESIGN.md. Without `release_tags` the v3.4.x commits are there
// untagged (the demo tags them itself).
CalicoFixtures make_calico_fixtures(const std::filesystem::path& root, bool release_tags = true);

// A fixture repository exported at `checkout` into `tree`, with the version the procedure's rules
// give it for VERSION `version`.
struct FixtureCheckout {
  std::string sha;
  builders::git::CommitFacts facts;
  builders::PackageVersion version;
};
FixtureCheckout export_fixture(const CalicoFixtures& fixtures, const std::string& repo, const std::string& checkout,
                               const std::filesystem::path& tree, const std::string& version, unsigned epoch = 0);

// A minimal real, unsigned source package `source` 1.2.3 for `series`, built under `job_dir`:
// for the signing and upload tests, which need a package but not a Calico one.
builders::deb::SourceArtifacts tiny_source_package(const std::filesystem::path& job_dir, const std::string& source,
                                                   const std::string& series);

// A bot.toml for them (appended to test_config's): [[repositories]] pointing at the fixtures,
// and the component tables that take nettle from the fixture .dsc and etcd3gw's spec from its
// own tree.
std::string fixture_repositories_toml(const CalicoFixtures& fixtures);

// The default platforms as [[publish.platforms]] tables, rpmbuild not checking BuildRequires:
// for executors that build in an "image" which is really this host (the fake Kubernetes'
// kubelet), whose rpm database knows none of them.
std::string host_image_platforms_toml();

}  // namespace calico::testkit
