#include "builders/publish/promotion.hpp"

namespace calico::builders::publish {

Eligibility promotion_eligibility(const std::string& from, const std::string& source, const std::string& version,
                                  const std::optional<HeldSource>& held) {
  const std::string what = source + " " + version;
  if (!held) return {false, from + " holds no " + what};
  if (held->status != "Published") {
    return {false, from + "'s " + what + " is " + (held->status.empty() ? "of unknown status" : held->status) + ", not published"};
  }
  if (!held->binaries_published) return {false, from + "'s " + what + " has binaries not built or not yet published"};
  return {true, "copied from " + from + ": " + what + " with its published binaries"};
}

}  // namespace calico::builders::publish
