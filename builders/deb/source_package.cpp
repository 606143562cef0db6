#include "builders/deb/source_package.hpp"

#include <sstream>

#include "builders/deb/changelog.hpp"
#include "builders/text.hpp"

namespace calico::builders::deb {

namespace {

std::string read(const std::filesystem::path& file) {
  std::optional<std::string> text = read_whole_file(file);
  if (!text) throw BuildError("cannot read " + file.string());
  return std::move(*text);
}

void write(const std::filesystem::path& file, const std::string& text) {
  if (!replace_file(file, text)) throw BuildError("cannot write " + file.string());
}

void run(exec::Executor& executor, const SourceBuild& build, exec::Command command, const std::filesystem::path& log_file,
         const exec::CancelToken& cancel) {
  command.timeout = build.timeout;
  const exec::CommandResult result = executor.run(command, build.platform, log_file, cancel);
  if (!result.ok()) {
    throw BuildError(command.argv.front() + " failed (" + result.describe() + "); see " + log_file.string());
  }
}

// The files section of a .changes: " <md5> <size> <section> <priority> <name>" lines.
std::vector<std::string> changes_files(const std::string& changes) {
  std::vector<std::string> names;
  std::istringstream lines(changes);
  std::string line;
  bool in_files = false;
  while (std::getline(lines, line)) {
    if (line.rfind("Files:", 0) == 0) {
      in_files = true;
      continue;
    }
    if (in_files) {
      if (line.empty() || line[0] != ' ') break;
      names.push_back(line.substr(line.find_last_of(' ') + 1));
    }
  }
  return names;
}

}  // namespace

SourceArtifacts read_source_artifacts(const std::filesystem::path& job_dir) {
  SourceArtifacts artifacts;
  if (std::filesystem::is_directory(job_dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(job_dir)) {
      if (entry.path().string().ends_with("_source.changes")) artifacts.changes = entry.path();
    }
  }
  if (artifacts.changes.empty()) throw BuildError("no source package in " + job_dir.string());
  const std::string changes = read(artifacts.changes);
  std::istringstream lines(changes);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Source: ", 0) == 0) artifacts.source = line.substr(8);
    if (line.rfind("Version: ", 0) == 0) artifacts.version = line.substr(9);
  }
  artifacts.dsc = job_dir / (artifacts.source + "_" + without_epoch(artifacts.version) + ".dsc");
  for (const std::string& name : changes_files(changes)) artifacts.files.push_back(job_dir / name);
  artifacts.files.push_back(artifacts.changes);
  return artifacts;
}

std::string without_epoch(const std::string& version) {
  const auto colon = version.find(':');
  return colon == std::string::npos ? version : version.substr(colon + 1);
}

SourceArtifacts build_source_package(const SourceBuild& build, exec::Executor& executor,
                                     const std::filesystem::path& log_file, const exec::CancelToken& cancel) {
  SourceArtifacts artifacts;
  const std::filesystem::path control = build.tree / "debian" / "control";
  if (!std::filesystem::exists(control)) throw BuildError(build.tree.string() + " has no debian/control");
  try {
    artifacts.source = control_source_name(read(control));
  } catch (const std::runtime_error& e) {
    throw BuildError(control.string() + ": " + e.what());
  }
  artifacts.version = build.version.debian(build.platform);
  const std::string upstream = build.version.upstream;

  // dpkg-source wants the tree at <source>-<upstream> beside <source>_<upstream>.orig.tar.gz.
  std::filesystem::create_directories(build.job_dir);
  const std::string dir_name = artifacts.source + "-" + upstream;
  const std::filesystem::path tree = build.job_dir / dir_name;
  if (tree != build.tree) {
    std::filesystem::remove_all(tree);
    std::filesystem::rename(build.tree, tree);
  }
  write(tree / "debian" / "changelog", render_changelog({artifacts.source, artifacts.version, build.platform,
                                                        build.maintainer, build.change, build.date}));

  const std::string orig_tar = artifacts.source + "_" + upstream + ".orig.tar";
  // Every build of one upstream version must produce a byte-identical orig tarball: the archive
  // keeps the first one it saw and refuses a different one under the same name. So nothing in it
  // may depend on the commit or series (dnsmasq's per-series tags are different commits of the
  // same upstream): a fixed mtime, sorted names, no owners, and gzip without a name or time.
  const std::string mtime = "@946684800";  // 2000-01-01T00:00:00Z
  std::filesystem::remove(build.job_dir / (orig_tar + ".gz"));
  run(executor, build,
      {{"tar", "--create", "--file", (build.job_dir / orig_tar).string(), "--sort=name", "--mtime=" + mtime,
        "--owner=0", "--group=0", "--numeric-owner", "--exclude=" + dir_name + "/debian", "--directory",
        build.job_dir.string(), dir_name}},
      log_file, cancel);
  run(executor, build, {{"gzip", "--no-name", "--best", "--force", (build.job_dir / orig_tar).string()}}, log_file, cancel);
  // -S source only, -d without checking build dependencies (Launchpad checks them), -sa always
  // include the orig tarball (each series is a separate upload), -us -uc: signed later.
  run(executor, build,
      {{"dpkg-buildpackage", "-S", "-d", "-sa", "-us", "-uc", "--no-pre-clean"}, tree,
       {"SOURCE_DATE_EPOCH=" + std::to_string(build.date.time_since_epoch().count())}},
      log_file, cancel);

  const std::string stem = artifacts.source + "_" + without_epoch(artifacts.version);
  artifacts.dsc = build.job_dir / (stem + ".dsc");
  artifacts.changes = build.job_dir / (stem + "_source.changes");
  for (const std::filesystem::path& expected : {artifacts.dsc, artifacts.changes}) {
    if (!std::filesystem::exists(expected)) {
      throw BuildError("dpkg-buildpackage did not produce " + expected.filename().string() + "; see " + log_file.string());
    }
  }
  for (const std::string& name : changes_files(read(artifacts.changes))) artifacts.files.push_back(build.job_dir / name);
  artifacts.files.push_back(artifacts.changes);
  return artifacts;
}

}  // namespace calico::builders::deb
