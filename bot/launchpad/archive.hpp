// pub_debs' question "does the PPA already hold this source version?", answered by Launchpad.
// One request per source and version asked, for that exact version (a name's whole history would
// grow with every nightly); answers are kept for the run.
#pragma once

#include <map>
#include <mutex>
#include <utility>
#include <string>

#include "bot/launchpad/client.hpp"
#include "builders/publish/deb_upload.hpp"

namespace calico::launchpad {

class PpaArchive : public builders::publish::SourceArchive {
 public:
  PpaArchive(Client& client, std::string owner, std::string ppa);
  bool has_source(const std::string& source, const std::string& version) override;
  // Asks for the source's most recent versions (its first page, newest versions first).
  std::optional<std::string> later_build_of(const std::string& source, const std::string& version) override;

 private:
  Client& client_;
  std::string owner_;
  std::string ppa_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, bool> known_;  // (source, version) → held
};

}  // namespace calico::launchpad
