#include "builders/publish/promotion.hpp"

namespace calico::builders::publish {

std::optional<PromotionOutcome> promotion_outcome(std::string_view job_result) {
  if (job_result.starts_with(kPromotedResult)) return PromotionOutcome{true, ""};
  if (!job_result.starts_with(kNotPromotedResult)) return std::nullopt;
  std::string_view why = job_result.substr(kNotPromotedResult.size());
  // The reason may hold parentheses of its own; it ends where the build's result begins.
  return PromotionOutcome{false, std::string(why.substr(0, why.find("): ")))};
}

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
