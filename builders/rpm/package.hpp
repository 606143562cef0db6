// One RPM build, as the scripts' rpm/build-rpms does it: the spec in SPECS, every file beside
// the spec in SOURCES, the tree as <tarball>-<Version>.tar.gz (version-control files and the
// component's exclusions left out), `rpmbuild -ba` with the platform's %{dist} and macros, and
// the results sorted into {src,noarch,x86_64} as the RPM host keeps them.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "builders/deb/source_package.hpp"  // BuildError
#include "builders/exec/executor.hpp"

namespace calico::builders::rpm {

struct RpmBuild {
  std::filesystem::path tree;          // the prepared tree (moved into place)
  std::filesystem::path job_dir;
  std::string platform;                // "centos7"
  std::string dist;                    // ".el7"
  std::vector<std::string> defines;    // extra rpmbuild --define "NAME value"
  std::string spec;                    // the spec text, filled in
  std::filesystem::path spec_dir;      // the directory whose files go to SOURCES
  std::string tarball_name;            // the tarball is <tarball_name>-<Version>.tar.gz
  std::vector<std::string> exclude;    // tar --exclude patterns
  // false: --nodeps (an rpm database that holds none of the BuildRequires: this host's, a
  // stand-in image's).
  bool check_build_deps = true;
  std::chrono::sys_seconds date;       // tarball mtimes and SOURCE_DATE_EPOCH
  std::chrono::seconds timeout{1800};
};

struct RpmArtifacts {
  std::string name;
  std::string version;                 // the spec's Version:
  std::filesystem::path output;        // job_dir/out, holding src/, noarch/, x86_64/
  std::vector<std::filesystem::path> rpms;  // every .rpm and .src.rpm, under output
};

// Throws deb::BuildError naming the failed command and the log.
RpmArtifacts build_rpm(const RpmBuild& build, exec::Session& session, const std::filesystem::path& log_file,
                       const exec::CancelToken& cancel);

// The source RPM `rpmbuild -ba` would make from `spec_file` with the platform's %{dist} and
// macros ("felix-3.4.0-1.el7.src.rpm"), asked of `rpmspec` on this host: the spec is parsed, not
// built. Throws BuildError when rpmspec cannot parse it.
std::string source_rpm_name(const std::filesystem::path& spec_file, const std::string& dist,
                            const std::vector<std::string>& defines, std::chrono::seconds timeout,
                            const std::filesystem::path& log_file, const exec::CancelToken& cancel);

}  // namespace calico::builders::rpm
