#include "builders/rpm/package.hpp"


#include "builders/rpm/spec.hpp"
#include "builders/text.hpp"

namespace calico::builders::rpm {

namespace {

using deb::BuildError;

std::string read(const std::filesystem::path& file) {
  std::optional<std::string> text = read_whole_file(file);
  if (!text) throw BuildError("cannot read " + file.string());
  return std::move(*text);
}

std::filesystem::path find_spec_template(const std::filesystem::path& tree) {
  const std::filesystem::path dir = tree / "rpm";
  if (std::filesystem::is_directory(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().string().ends_with(".spec.in")) return entry.path();
    }
  }
  throw BuildError(tree.string() + " has no rpm/<name>.spec.in");
}

}  // namespace

RpmArtifacts build_rpm(const RpmBuild& build, exec::Executor& executor, const std::filesystem::path& log_file,
                       const exec::CancelToken& cancel) {
  RpmArtifacts artifacts;
  std::string spec;
  try {
    spec = fill_spec(read(find_spec_template(build.tree)),
                     {build.version, build.maintainer, build.change, build.date});
    artifacts.name = spec_name(spec);
  } catch (const BuildError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw BuildError(find_spec_template(build.tree).string() + ": " + e.what());
  }

  const std::filesystem::path top = build.job_dir / "rpmbuild";
  for (const char* sub : {"SOURCES", "SPECS", "BUILD", "RPMS", "SRPMS"}) std::filesystem::create_directories(top / sub);
  const std::string dir_name = artifacts.name + "-" + build.version.rpm_version;
  const std::filesystem::path staged = build.job_dir / dir_name;
  std::filesystem::remove_all(staged);
  std::filesystem::rename(build.tree, staged);
  const std::filesystem::path spec_file = top / "SPECS" / (artifacts.name + ".spec");
  if (!replace_file(spec_file, spec)) throw BuildError("cannot write " + spec_file.string());

  auto run = [&](exec::Command command) {
    command.timeout = build.timeout;
    const exec::CommandResult result = executor.run(command, build.platform, log_file, cancel);
    if (!result.ok()) {
      throw BuildError(command.argv.front() + " failed (" + result.describe() + "); see " + log_file.string());
    }
  };
  const std::string mtime = "@" + std::to_string(build.date.time_since_epoch().count());
  run({{"tar", "--create", "--gzip", "--file", (top / "SOURCES" / (dir_name + ".tar.gz")).string(), "--sort=name",
        "--mtime=" + mtime, "--owner=0", "--group=0", "--numeric-owner", "--exclude=" + dir_name + "/debian",
        "--directory", build.job_dir.string(), dir_name}});
  run({{"rpmbuild", "-ba", "--define", "_topdir " + top.string(), "--define", "dist " + build.dist, spec_file.string()},
       {},
       {"SOURCE_DATE_EPOCH=" + std::to_string(build.date.time_since_epoch().count())}});

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

}  // namespace calico::builders::rpm
