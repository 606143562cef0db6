// A publish request (what `make release-publish` took as environment variables) → the plan:
// the derived settings and the graph of step × platform jobs. Pure: no I/O, so every rule of
// DESIGN.md's table is tested directly.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builders/release_version.hpp"
#include "builders/steps.hpp"
#include "config/config.hpp"

namespace calico::builders {

struct PublishRequest {
  std::string version;                                  // VERSION: master, vX.Y.Z, vX.Y.Z-python2, release-vX.Y
  std::optional<std::string> repo_name = {};            // REPO_NAME override
  // Per component name: <VARIABLE>_REPO and <VARIABLE>_CHECKOUT (FELIX_REPO, …).
  std::map<std::string, std::string> repos = {};
  std::map<std::string, std::string> checkouts = {};
  // Components that are off by default, asked for (PACKAGE_ETCD3GW=true).
  std::vector<std::string> enable = {};
  std::optional<std::vector<std::string>> steps = {};        // STEPS (default: all, in order)
  std::optional<std::vector<std::string>> platforms = {};    // default: every configured platform
};

// Where one component's source comes from.
struct SourceSpec {
  config::SourceKind kind = config::SourceKind::version;
  std::string repo;      // git URL or local path; for a .dsc, its path or URL
  std::string checkout;  // branch, tag or commit id; empty for a .dsc
  std::string describe() const;  // "URL @ ref", or the .dsc
};

struct Job {
  std::string id;        // "felix/xenial", "pub_debs/bionic", "bld_images/centos7"
  std::string step;      // "felix"
  JobRole role = JobRole::component;
  std::string component; // the component a build job packages (its name), else empty
  std::string platform;
  config::PackageKind kind = config::PackageKind::deb;
  bool optional = false;                 // its failure holds back no upload
  std::optional<SourceSpec> source;      // for the component-building steps
  std::vector<std::string> depends_on;   // ids of jobs in the same plan that must succeed first
  std::vector<std::string> after;        // optional jobs it waits for, whatever their result
};

struct Plan {
  std::string version;
  std::string repo_name;
  bool release = false;                 // a vX.Y.Z build (else a master or branch snapshot)
  std::optional<ReleaseTag> release_tag;
  std::string ppa;                      // "ppa:project-calico/calico-3.4"
  // The components that follow VERSION, with where each is checked out.
  std::vector<std::pair<std::string, SourceSpec>> version_sources;
  std::vector<std::string> steps;       // in procedure order
  std::vector<std::string> platforms;   // in matrix order
  std::vector<Job> jobs;                // topologically ordered: dependencies first
  std::vector<std::string> notes;       // what was left out and why (a disabled component)

  const Job* find(const std::string& id) const;
  const SourceSpec* version_source(const std::string& component) const;
  // A readable listing, as `publish --dry-run` prints it.
  std::string describe() const;
};

// Throws PlanError naming the bad value and where it came from.
Plan make_plan(const PublishRequest& request, const config::Config& config);

// Splits "a,b c" (commas and/or spaces, as STEPS is written) into its items.
std::vector<std::string> split_list(std::string_view text);

// The checkout a component that follows VERSION uses for it: master → the repository's master
// branch, vX.Y.Z → that tag (vX.Y.Z-python2 where the component has python2 tags), release-vX.Y
// → that branch.
std::string checkout_for_version(const std::string& version, const config::ComponentConfig& component,
                                 const std::string& master_branch);

}  // namespace calico::builders
