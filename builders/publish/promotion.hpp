// Promotion: a release copies what the target it is promoted from (`testing`, the release
// branches' PPA and RPM repository) already holds and has published under the very version the
// release would have, instead of building it again — the binaries people tested are the ones
// released. The eligibility rule is pure; asking the archive and copying are behind
// PromotionSource (Launchpad's copyPackage, bot/launchpad/promotion).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace calico::builders::publish {

// How a component job's result begins when it was promoted (copied by the publishing job), or
// built because it could not be: "built from source, not promoted (<why>): <what was built>".
// The build's reports pick these out.
inline constexpr std::string_view kPromotedResult = "promoted: ";
inline constexpr std::string_view kNotPromotedResult = "built from source, not promoted (";

// What a component job's result says of promotion: copied, or built with the reason it was not
// copied; nullopt when promotion played no part.
struct PromotionOutcome {
  bool copied = false;
  std::string why_not;  // when built
};
std::optional<PromotionOutcome> promotion_outcome(std::string_view job_result);

// What the archive promoted from holds of one source package version in one series.
struct HeldSource {
  std::string status;                // Launchpad's: Pending, Published, Superseded, Deleted, Obsolete
  bool binaries_published = false;  // every build done and its binaries published
};

struct Eligibility {
  bool eligible = false;
  std::string reason;  // why not (for the build page and GitHub), or what is copied
};

// Whether `source` `version` may be copied from `from` (the target's name, for the reason text)
// given what `from` holds of it: the same version, published, its binaries published.
Eligibility promotion_eligibility(const std::string& from, const std::string& source, const std::string& version,
                                  const std::optional<HeldSource>& held);

// The archive a release's source packages are promoted from, and the copy into the release's.
class PromotionSource {
 public:
  virtual ~PromotionSource() = default;
  virtual std::string name() const = 0;  // "testing"
  // What it holds of exactly this source version in `series`; nullopt: nothing.
  virtual std::optional<HeldSource> find(const std::string& source, const std::string& version, const std::string& series) = 0;
  // Asks for the copy (binaries included) into the release's archive, same series. Returns once
  // the copy is queued; throws (with the archive's reason) when the request is refused.
  virtual void copy(const std::string& source, const std::string& version, const std::string& series) = 0;
};

}  // namespace calico::builders::publish
