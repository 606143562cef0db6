// VERSION → target repository, the first rule of the packaging procedure (DESIGN.md):
//   master → master;  vX.Y.Z → calico-X.Y;  vX.Y.Z-python2 → calico-X.Y-python2;
//   release-vX.Y → testing (the release branches);  anything else: error.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace calico::builders {

class PlanError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReleaseTag {
  unsigned major = 0;
  unsigned minor = 0;
  unsigned patch = 0;
  bool python2 = false;  // the "-python2" flavour publishes to calico-X.Y-python2

  std::string tag() const;          // "v3.4.1" or "v3.4.1-python2"
  std::string target_repo() const;  // "calico-3.4" or "calico-3.4-python2"
};

// Parses "vX.Y.Z" or "vX.Y.Z-python2" (decimal numbers without leading zeros, at most 6 digits).
std::optional<ReleaseTag> parse_release_tag(std::string_view text);

// "release-vX.Y": a release branch, published to the testing repository.
bool is_release_branch(std::string_view version);

// The REPO_NAME a VERSION publishes to. Throws PlanError naming the bad VERSION.
std::string target_repo_for_version(std::string_view version);

}  // namespace calico::builders
