// One Debian source package for one series, built the way the packaging scripts build it:
// `dpkg-buildpackage -S -d` in the prepared tree (its debian/changelog already says the version
// and series), with the component's ignore patterns, unsigned (signing is its own step). The
// format is the source's own: 3.0 (native) for Felix and networking-calico, 1.0 for the dnsmasq
// fork, 3.0 (quilt) for nettle, whose orig tarball lies beside the tree.
#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "builders/exec/executor.hpp"

namespace calico::builders::deb {

class BuildError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SourceBuild {
  std::filesystem::path tree;     // the tree, inside job_dir; outputs land in job_dir
  std::string platform;           // the series: "xenial"
  // Empty: dpkg-source's default ignore list (-I). Otherwise exactly these and .git, as the
  // scripts pass Felix's (dpkg's defaults would drop its prebuilt *.o BPF programs).
  std::vector<std::string> ignore;
  // Run dpkg-source through native_revision_shim (see there): put first on PATH, on this host or
  // in the build image (a Debian 12 based image refuses the same way).
  std::filesystem::path shim_dir;
  std::chrono::sys_seconds date;  // SOURCE_DATE_EPOCH
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
SourceArtifacts build_source_package(const SourceBuild& build, exec::Session& session,
                                     const std::filesystem::path& log_file, const exec::CancelToken& cancel);

// The artifacts of a source package built earlier into `job_dir` (a resumed run), read back from
// its .changes. Throws BuildError when there is none.
SourceArtifacts read_source_artifacts(const std::filesystem::path& job_dir);

// "3.4.1-xenial" for "1:3.4.1-xenial": file names never carry the epoch.
std::string without_epoch(const std::string& version);

// The Source: and Version: fields of a .dsc or .changes; either is empty when missing.
struct SourceIdentity {
  std::string source;
  std::string version;
};
SourceIdentity source_identity(const std::string& control_text);

// The file names a .dsc or .changes lists in its Files: section.
std::vector<std::string> listed_files(const std::string& control_text);

// Writes `dir`/dpkg-source: Debian 12's dpkg-source refuses a 3.0 (native) package whose version
// has a Debian revision ("native package version may not have a revision"), which every Calico
// package has ("3.20.2-xenial"); Ubuntu's dpkg-source, which the scripts' build images run,
// builds it with that warning. The shim runs the real dpkg-source (this host's or the build
// image's) with that one check turned back into the warning; with the shim's directory first on
// PATH, dpkg-buildpackage produces the same source package (format, version, files) as on
// Ubuntu. Where dpkg has no such check (older Ubuntu) it runs dpkg-source unchanged.
void write_native_revision_shim(const std::filesystem::path& dir);

}  // namespace calico::builders::deb
