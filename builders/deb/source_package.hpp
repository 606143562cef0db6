// One Debian source package for one series: regenerate debian/changelog, make the orig tarball
// (reproducibly, so every series uploads byte-identical originals), and run
// `dpkg-buildpackage -S -d` (source only; Launchpad builds the binaries). Unsigned here: signing
// is its own step.
#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "builders/exec/executor.hpp"
#include "builders/versions.hpp"

namespace calico::builders::deb {

class BuildError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SourceBuild {
  std::filesystem::path tree;     // an exported checkout with a debian/ directory; moved into place
  std::filesystem::path job_dir;  // outputs land here
  std::string platform;           // the series: "xenial"
  PackageVersion version;
  std::string change;             // the changelog's one line
  std::string maintainer;
  std::chrono::sys_seconds date;  // changelog date and tarball mtimes
  std::chrono::seconds timeout{1800};
};

struct SourceArtifacts {
  std::string source;             // source package name
  std::string version;            // full Debian version
  std::filesystem::path dsc;
  std::filesystem::path changes;  // <source>_<version>_source.changes
  std::vector<std::filesystem::path> files;  // everything the .changes lists, plus itself
};

// Throws BuildError naming the failed command and the log.
SourceArtifacts build_source_package(const SourceBuild& build, exec::Executor& executor,
                                     const std::filesystem::path& log_file, const exec::CancelToken& cancel);

// The artifacts of a source package built earlier into `job_dir` (a resumed run), read back from
// its .changes. Throws BuildError when there is none.
SourceArtifacts read_source_artifacts(const std::filesystem::path& job_dir);

// "3.4.1-xenial" for "1:3.4.1-xenial": file names never carry the epoch.
std::string without_epoch(const std::string& version);

}  // namespace calico::builders::deb
