// Promotion on Launchpad: what the `from` PPA holds of a source version (its publication in the
// series, and whether its binaries are published: getBuildSummariesForSourceIds' FULLYBUILT),
// and Archive.copyPackage into the release's PPA, binaries included.
#pragma once

#include <string>

#include "bot/launchpad/client.hpp"
#include "builders/publish/promotion.hpp"

namespace calico::launchpad {

class PpaPromotionSource : public builders::publish::PromotionSource {
 public:
  // Copies from ~owner/<from_ppa> into ~owner/<to_ppa>; `client` must sign writes.
  PpaPromotionSource(Client& client, std::string owner, std::string from_ppa, std::string to_ppa);
  std::string name() const override { return from_; }
  std::optional<builders::publish::HeldSource> find(const std::string& source, const std::string& version,
                                                    const std::string& series) override;
  void copy(const std::string& source, const std::string& version, const std::string& series) override;

 private:
  Client& client_;
  std::string owner_;
  std::string from_;
  std::string to_;
};

}  // namespace calico::launchpad
