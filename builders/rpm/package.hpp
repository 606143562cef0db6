// One RPM build: a tarball of the checkout, the spec filled in, `rpmbuild -ba` with the
// platform's %{dist}, and the results sorted into {src,noarch,x86_64} as the RPM host keeps them.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "builders/deb/source_package.hpp"  // BuildError
#include "builders/exec/executor.hpp"
#include "builders/versions.hpp"

namespace calico::builders::rpm {

struct RpmBuild {
  std::filesystem::path tree;     // exported checkout with rpm/<name>.spec.in
  std::filesystem::path job_dir;
  std::string platform;           // "centos7"
  std::string dist;               // ".el7"
  PackageVersion version;
  std::string change;
  std::string maintainer;
  std::chrono::sys_seconds date;
  std::chrono::seconds timeout{1800};
};

struct RpmArtifacts {
  std::string name;
  std::filesystem::path output;   // job_dir/out, holding src/, noarch/, x86_64/
  std::vector<std::filesystem::path> rpms;  // every .rpm and .src.rpm, under output
};

// Throws deb::BuildError naming the failed command and the log.
RpmArtifacts build_rpm(const RpmBuild& build, exec::Executor& executor, const std::filesystem::path& log_file,
                       const exec::CancelToken& cancel);

}  // namespace calico::builders::rpm
