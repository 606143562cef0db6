// A publish request (what `make release-publish` took as environment variables) → the plan:
// the derived settings and the graph of step × platform jobs. Pure: no I/O, so every rule of
// DESIGN.md's table is tested directly.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "builders/release_version.hpp"
#include "builders/steps.hpp"
#include "config/config.hpp"

namespace calico::builders {

struct PublishRequest {
  std::string version;                                  // VERSION: master, vX.Y.Z, vX.Y.Z-python2
  std::optional<std::string> repo_name = {};                 // REPO_NAME override
  std::optional<std::string> felix_repo = {};                // FELIX_REPO
  std::optional<std::string> felix_checkout = {};            // FELIX_CHECKOUT
  std::optional<std::string> networking_calico_repo = {};    // NETWORKING_CALICO_REPO
  std::optional<std::string> networking_calico_checkout = {};  // NETWORKING_CALICO_CHECKOUT
  std::optional<std::vector<std::string>> steps = {};        // STEPS (default: all, in order)
  std::optional<std::vector<std::string>> platforms = {};    // default: every configured platform
};

// Where one component's source comes from.
struct SourceSpec {
  std::string repo;      // git URL or local path
  std::string checkout;  // branch, tag or commit id
};

struct Job {
  std::string id;        // "felix/xenial", "pub_debs/bionic", "bld_images/centos7"
  Step step;
  std::string platform;
  config::PackageKind kind = config::PackageKind::deb;
  std::optional<SourceSpec> source;  // for the component-building steps
  std::vector<std::string> depends_on;  // ids of jobs in the same plan
};

struct Plan {
  std::string version;
  std::string repo_name;
  bool release = false;                 // a vX.Y.Z build (else a master snapshot)
  std::optional<ReleaseTag> release_tag;
  std::string ppa;                      // "ppa:project-calico/calico-3.4"
  SourceSpec felix;
  SourceSpec networking_calico;
  std::vector<Step> steps;              // in procedure order
  std::vector<std::string> platforms;   // in matrix order
  std::vector<Job> jobs;                // topologically ordered: dependencies first

  const Job* find(const std::string& id) const;
  // A readable listing, as `publish --dry-run` prints it.
  std::string describe() const;
};

// Throws PlanError naming the bad value and where it came from.
Plan make_plan(const PublishRequest& request, const config::Config& config);

// Splits "a,b c" (commas and/or spaces, as STEPS is written) into its items.
std::vector<std::string> split_list(std::string_view text);

}  // namespace calico::builders
