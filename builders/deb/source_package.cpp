#include "builders/deb/source_package.hpp"

#include <cstdlib>
#include <sstream>

#include "builders/deb/changelog.hpp"
#include "builders/files.hpp"
#include "builders/text.hpp"

namespace calico::builders::deb {

namespace {

std::string read(const std::filesystem::path& file) {
  return read_text<BuildError>(file);
}

}  // namespace

std::vector<std::string> listed_files(const std::string& control_text) {
  std::vector<std::string> names;
  std::istringstream lines(control_text);
  std::string line;
  bool in_files = false;
  while (std::getline(lines, line)) {
    if (line.rfind("Files:", 0) == 0) {
      in_files = true;
      continue;
    }
    if (in_files) {
      if (line.empty() || line[0] != ' ') break;
      std::string name = line.substr(line.find_last_of(' ') + 1);
      if (!name.empty() && name.back() == '\r') name.pop_back();
      if (name.empty() || name.find('/') != std::string::npos || name.starts_with(".")) {
        throw BuildError("a Files: entry is not a plain file name: \"" + name.substr(0, 80) + "\"");
      }
      names.push_back(name);
    }
  }
  return names;
}

SourceArtifacts read_source_artifacts(const std::filesystem::path& job_dir) {
  SourceArtifacts artifacts;
  if (std::filesystem::is_directory(job_dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(job_dir)) {
      if (entry.path().string().ends_with("_source.changes")) artifacts.changes = entry.path();
    }
  }
  if (artifacts.changes.empty()) throw BuildError("no source package in " + job_dir.string());
  const std::string changes = read(artifacts.changes);
  SourceIdentity identity = source_identity(changes);
  artifacts.source = std::move(identity.source);
  artifacts.version = std::move(identity.version);
  artifacts.dsc = job_dir / (artifacts.source + "_" + without_epoch(artifacts.version) + ".dsc");
  for (const std::string& name : listed_files(changes)) artifacts.files.push_back(job_dir / name);
  artifacts.files.push_back(artifacts.changes);
  return artifacts;
}

SourceIdentity source_identity(const std::string& control_text) {
  SourceIdentity identity;
  std::istringstream lines(control_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Source: ", 0) == 0) identity.source = line.substr(8);
    if (line.rfind("Version: ", 0) == 0) identity.version = line.substr(9);
  }
  return identity;
}

std::string without_epoch(const std::string& version) {
  const auto colon = version.find(':');
  return colon == std::string::npos ? version : version.substr(colon + 1);
}

void write_native_revision_shim(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::filesystem::path shim = dir / "dpkg-source";
  static constexpr std::string_view kShim = R"(#!/usr/bin/perl
# Written by calico-release-bot. Debian 12's dpkg-source refuses a 3.0 (native) source package
# whose version has a Debian revision; Ubuntu's, which the packaging scripts use, warns and builds.
# Older dpkg (no Dpkg::Version::is_native) has no such check: there this changes nothing.
# Run the real dpkg-source with that one check turned into the warning.
use strict;
use warnings;
use Dpkg::ErrorHandling;
use Dpkg::Version;
use Dpkg::Source::Package::V3::Native;
if (Dpkg::Version->can('is_native')) {
    no warnings 'redefine';
    *Dpkg::Source::Package::V3::Native::can_build = sub {
        my ($self, $dir) = @_;
        my $v = Dpkg::Version->new($self->{fields}->{'Version'});
        warning('native package version may not have a revision') unless $v->is_native();
        return 1;
    };
}
my $real = '/usr/bin/dpkg-source';
unless (defined(do $real)) {
    die "cannot run $real: $@" if $@;
    die "cannot read $real: $!";
}
exit 0;
)";
  write_text<BuildError>(shim, kShim);
  std::filesystem::permissions(shim, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                         std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                         std::filesystem::perms::others_exec);
}

SourceArtifacts build_source_package(const SourceBuild& build, exec::Session& session,
                                     const std::filesystem::path& log_file, const exec::CancelToken& cancel) {
  SourceArtifacts artifacts;
  const std::filesystem::path control = build.tree / "debian" / "control";
  const std::filesystem::path changelog = build.tree / "debian" / "changelog";
  if (!std::filesystem::exists(control)) throw BuildError(build.tree.string() + " has no debian/control");
  try {
    artifacts.source = control_source_name(read(control));
    artifacts.version = changelog_version(read(changelog));
  } catch (const BuildError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw BuildError(build.tree.string() + ": " + e.what());
  }
  const std::filesystem::path job_dir = build.tree.parent_path();

  // -S source only, -d without checking build dependencies (Launchpad checks them), -us -uc:
  // signed later, --no-pre-clean: the tree is a fresh export with nothing to clean, and cleaning
  // would need the package's build tools (dh-python, …) on this host. -I: the ignore patterns
  // dpkg-source hands to tar.
  exec::ProcessSpec command{{"dpkg-buildpackage", "-S", "-d", "-us", "-uc", "--no-pre-clean"}, build.tree, {}, build.timeout};
  if (build.ignore.empty()) {
    command.argv.push_back("-I");
  } else {
    command.argv.push_back("-I.git");
    for (const std::string& pattern : build.ignore) command.argv.push_back("-I" + pattern);
  }
  command.env.push_back("SOURCE_DATE_EPOCH=" + std::to_string(build.date.time_since_epoch().count()));
  if (!build.shim_dir.empty()) command.path_first.push_back(build.shim_dir);
  const exec::ProcessResult result = session.run(command, log_file, cancel);
  if (!result.ok()) throw BuildError("dpkg-buildpackage failed (" + result.describe() + "); see " + log_file.string());

  const std::string stem = artifacts.source + "_" + without_epoch(artifacts.version);
  artifacts.dsc = job_dir / (stem + ".dsc");
  artifacts.changes = job_dir / (stem + "_source.changes");
  for (const std::filesystem::path& expected : {artifacts.dsc, artifacts.changes}) {
    if (!std::filesystem::exists(expected)) {
      throw BuildError("dpkg-buildpackage did not produce " + expected.filename().string() + "; see " + log_file.string());
    }
  }
  for (const std::string& name : listed_files(read(artifacts.changes))) artifacts.files.push_back(job_dir / name);
  artifacts.files.push_back(artifacts.changes);
  return artifacts;
}

}  // namespace calico::builders::deb
