#include "builders/pipeline/preview.hpp"

#include <filesystem>
#include <map>
#include <memory>

#include "builders/deb/changelog.hpp"
#include "builders/deb/source_package.hpp"
#include "builders/files.hpp"
#include "builders/git/mirror.hpp"
#include "builders/pipeline/procedure.hpp"
#include "builders/versions.hpp"

namespace calico::builders::pipeline {

namespace {

// The package a changelog of `mode` makes for `series`, from the source's own changelog.
std::pair<std::string, std::string> from_changelog(const std::string& changelog, config::ChangelogMode mode,
                                                   const std::string& series) {
  std::string text = changelog;
  if (mode == config::ChangelogMode::retarget_first || mode == config::ChangelogMode::retarget_all) {
    text = deb::retarget_changelog(text, series, mode == config::ChangelogMode::retarget_all);
  }
  const std::string name = text.substr(0, text.find(' '));
  return {name, deb::changelog_version(text)};
}

class Previewer {
 public:
  Previewer(const Plan& plan, const config::Config& config) : plan_(plan), config_(config) {}

  PlannedSource preview(const Job& job) {
    PlannedSource planned{job.id, job.platform, "", "", ""};
    const config::ComponentConfig* component = config_.publish.find_component(job.component);
    try {
      if (!component || !job.source) throw std::runtime_error("no component \"" + job.component + "\" configured");
      if (job.source->kind == config::SourceKind::dsc) {
        preview_dsc(*component, *job.source, planned);
      } else {
        preview_git(*component, job, planned);
      }
    } catch (const std::exception& e) {
      planned.source.clear();
      planned.version.clear();
      planned.unknown = e.what();
    }
    return planned;
  }

 private:
  void preview_git(const config::ComponentConfig& component, const Job& job, PlannedSource& planned) {
    git::Mirror& source = mirror(job.source->repo);
    const std::string sha = source.resolve(job.source->checkout);
    std::string control, changelog;
    try {
      control = source.read_file(sha, "debian/control");
      if (component.changelog != config::ChangelogMode::generate) changelog = source.read_file(sha, "debian/changelog");
    } catch (const git::GitError&) {
      if (!component.pre_build.empty()) throw std::runtime_error("its packaging is made by its pre-build commands: known once built");
      throw;
    }
    if (component.changelog == config::ChangelogMode::generate) {
      const git::CommitFacts facts = source.facts(sha);
      const PackageVersion version = package_version(auto_version(plan_.version, facts.version_facts()), component.epoch);
      planned.source = deb::control_source_name(control);
      planned.version = version.debian(job.platform);
    } else {
      std::tie(planned.source, planned.version) = from_changelog(changelog, component.changelog, job.platform);
    }
  }

  void preview_dsc(const config::ComponentConfig& component, const SourceSpec& spec, PlannedSource& planned) {
    if (is_url(spec.repo)) throw std::runtime_error("a .dsc to download: known once built");
    deb::SourceIdentity identity = deb::source_identity(read_text(spec.repo));
    planned.source = std::move(identity.source);
    planned.version = std::move(identity.version);
    if (planned.source.empty() || planned.version.empty()) throw std::runtime_error(spec.repo + " has no Source: or Version: field");
    if (component.changelog == config::ChangelogMode::retarget_all) {
      throw std::runtime_error("its changelog is retargeted once unpacked: known once built");
    }
  }

  git::Mirror& mirror(const std::string& url) {
    auto it = mirrors_.find(url);
    if (it != mirrors_.end()) return *it->second;
    auto fresh = std::make_unique<git::Mirror>(config_.publish.mirror_dir, url);
    fresh->fetch();
    return *(mirrors_[url] = std::move(fresh));
  }

  const Plan& plan_;
  const config::Config& config_;
  std::map<std::string, std::unique_ptr<git::Mirror>> mirrors_;
};

}  // namespace

std::vector<PlannedSource> preview_sources(const Plan& plan, const config::Config& config) {
  Previewer previewer(plan, config);
  std::vector<PlannedSource> planned;
  for (const Job& job : plan.jobs) {
    if (job.role != JobRole::component || job.kind != config::PackageKind::deb) continue;
    planned.push_back(previewer.preview(job));
  }
  return planned;
}

}  // namespace calico::builders::pipeline
