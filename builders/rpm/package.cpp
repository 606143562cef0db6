#include "builders/rpm/package.hpp"

#include "builders/files.hpp"
#include "builders/rpm/spec.hpp"
#include "builders/text.hpp"

namespace calico::builders::rpm {

namespace {

// The platform's %{dist} and macros as rpmbuild and rpmspec take them (the same for both, so
// that what rpmspec names is what rpmbuild makes).
void add_platform_macros(std::vector<std::string>& argv, const std::string& dist, const std::vector<std::string>& defines) {
  argv.push_back("--define");
  argv.push_back("dist " + dist);
  for (const std::string& define : defines) {
    argv.push_back("--define");
    argv.push_back(define);
  }
}

}  // namespace

using deb::BuildError;

RpmArtifacts build_rpm(const RpmBuild& build, exec::Session& session, const std::filesystem::path& log_file,
                       const exec::CancelToken& cancel) {
  RpmArtifacts artifacts;
  try {
    artifacts.name = spec_name(build.spec);
    artifacts.version = spec_version(build.spec);
  } catch (const std::runtime_error& e) {
    throw BuildError("the spec of " + build.tarball_name + ": " + e.what());
  }
  if (artifacts.version.find('/') != std::string::npos || artifacts.version.starts_with(".")) {
    throw BuildError("the spec's Version: \"" + artifacts.version + "\" cannot name a tarball");
  }

  const std::filesystem::path top = build.job_dir / "rpmbuild";
  for (const char* sub : {"SOURCES", "SPECS", "BUILD", "RPMS", "SRPMS"}) std::filesystem::create_directories(top / sub);
  if (std::filesystem::is_directory(build.spec_dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(build.spec_dir)) {
      if (entry.is_regular_file()) {
        std::filesystem::copy_file(entry.path(), top / "SOURCES" / entry.path().filename(),
                                   std::filesystem::copy_options::overwrite_existing);
      }
    }
  }
  // Named after the tarball: a Name: may hold macros ("python-%{pypi_name}").
  const std::filesystem::path spec_file = top / "SPECS" / (build.tarball_name + ".spec");
  write_text<BuildError>(spec_file, build.spec);

  const std::string dir_name = build.tarball_name + "-" + artifacts.version;
  const std::filesystem::path stage = build.job_dir / "stage";
  std::filesystem::remove_all(stage);
  std::filesystem::create_directories(stage);
  std::filesystem::rename(build.tree, stage / dir_name);

  auto run = [&](exec::ProcessSpec command) {
    command.timeout = build.timeout;
    const exec::ProcessResult result = session.run(command, log_file, cancel);
    if (!result.ok()) {
      throw BuildError(command.argv.front() + " failed (" + result.describe() + "); see " + log_file.string());
    }
  };
  const std::string epoch = std::to_string(build.date.time_since_epoch().count());
  exec::ProcessSpec tar{{"tar", "--create", "--gzip", "--file", (top / "SOURCES" / (dir_name + ".tar.gz")).string(),
                     "--sort=name", "--mtime=@" + epoch, "--owner=0", "--group=0", "--numeric-owner", "--exclude-vcs"}};
  for (const std::string& pattern : build.exclude) tar.argv.push_back("--exclude=" + pattern);
  for (const std::string& part : {std::string("--directory"), stage.string(), dir_name}) tar.argv.push_back(part);
  run(tar);

  exec::ProcessSpec rpmbuild{{"rpmbuild", "-ba"}};
  // No --target: the host's (or image's) architecture is the default, and --target would reload
  // the platform macros over the platform's defines.
  rpmbuild.argv.push_back("--define");
  rpmbuild.argv.push_back("_topdir " + top.string());
  add_platform_macros(rpmbuild.argv, build.dist, build.defines);
  if (!build.check_build_deps) rpmbuild.argv.push_back("--nodeps");
  rpmbuild.argv.push_back(spec_file.string());
  rpmbuild.env = {"SOURCE_DATE_EPOCH=" + epoch, "PBR_VERSION=" + artifacts.version};
  run(rpmbuild);

  // RPMS/<arch>/*.rpm and SRPMS/*.src.rpm → out/{src,noarch,x86_64}/
  artifacts.output = build.job_dir / "out";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(top)) {
    const std::string file = entry.path().filename().string();
    if (!entry.is_regular_file() || !file.ends_with(".rpm")) continue;
    const std::string bucket = file.ends_with(".src.rpm") ? "src" : entry.path().parent_path().filename().string();
    std::filesystem::create_directories(artifacts.output / bucket);
    const std::filesystem::path target = artifacts.output / bucket / file;
    std::filesystem::copy_file(entry.path(), target, std::filesystem::copy_options::overwrite_existing);
    artifacts.rpms.push_back(target);
  }
  if (artifacts.rpms.empty()) throw BuildError("rpmbuild produced no RPMs; see " + log_file.string());
  return artifacts;
}

std::string source_rpm_name(const std::filesystem::path& spec_file, const std::string& dist,
                            const std::vector<std::string>& defines, std::chrono::seconds timeout,
                            const std::filesystem::path& log_file, const exec::CancelToken& cancel) {
  exec::ProcessSpec query{{"rpmspec", "--query", "--srpm", "--queryformat", "source-rpm=%{NAME}-%{VERSION}-%{RELEASE}\\n"}};
  add_platform_macros(query.argv, dist, defines);
  query.argv.push_back(spec_file.string());
  query.timeout = timeout;
  std::string output;
  const exec::ProcessResult result = exec::capture_process(query, log_file, cancel, output);
  if (!result.ok()) throw BuildError("rpmspec --query " + spec_file.filename().string() + " failed (" + result.describe() + ")");
  // Its warnings ("second Description") share the output: the answer is the marked line.
  const std::string marker = "source-rpm=";
  const std::size_t at = output.find(marker);
  const std::string name = at == std::string::npos ? "" : output.substr(at + marker.size(), output.find('\n', at) - at - marker.size());
  if (name.empty() || name.find('/') != std::string::npos) {
    throw BuildError("rpmspec --query " + spec_file.filename().string() + " named no source RPM");
  }
  return name + ".src.rpm";
}

}  // namespace calico::builders::rpm
