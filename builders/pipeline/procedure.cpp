#include "builders/pipeline/procedure.hpp"

#include <algorithm>
#include <set>

#include "builders/deb/changelog.hpp"
#include "builders/exec/build_image.hpp"
#include "builders/files.hpp"
#include "builders/publish/rpm_repository.hpp"
#include "builders/rpm/package.hpp"
#include "builders/rpm/spec.hpp"
#include "builders/text.hpp"

namespace calico::builders::pipeline {

namespace {

std::string read(const std::filesystem::path& file) { return read_text(file); }

void write(const std::filesystem::path& file, const std::string& text) { write_text(file, text); }

void note(const std::filesystem::path& log, const std::string& line) { append_to_file(log, "# " + line + "\n"); }

// A directory name for a cache key: readable, never a path.
std::string directory_for(std::string key) {
  for (char& c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  }
  return key.substr(0, 120) + "-" + std::to_string(std::hash<std::string>{}(key) % 1000000007);
}

void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::remove_all(to);
  std::filesystem::create_directories(to.parent_path());
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
}

// The single *.spec.in (else *.spec) in rpm/, as the scripts find it.
std::string find_spec(const std::filesystem::path& tree) {
  for (const char* suffix : {".spec.in", ".spec"}) {
    std::vector<std::string> found;
    if (std::filesystem::is_directory(tree / "rpm")) {
      for (const auto& entry : std::filesystem::directory_iterator(tree / "rpm")) {
        if (entry.is_regular_file() && entry.path().filename().string().ends_with(suffix)) found.push_back(entry.path().filename().string());
      }
    }
    if (found.size() == 1) return "rpm/" + found.front();
    if (found.size() > 1) throw std::runtime_error(tree.filename().string() + " has several rpm/*" + suffix + "; set the component's spec");
  }
  throw std::runtime_error(tree.filename().string() + " has no rpm/*.spec.in or rpm/*.spec; set the component's spec");
}

}  // namespace

bool is_url(const std::string& location) { return location.starts_with("http://") || location.starts_with("https://"); }

std::string repository_location(const config::Config& config, const std::string& name_or_url) {
  if (const config::RepositoryConfig* repo = config.find_repository_by_name(name_or_url)) return repo->url;
  return name_or_url;
}

Procedure::Procedure(const config::Config& config, const Plan& plan, std::filesystem::path run_dir,
                     exec::Executor& executor, const sign::Keyring* keyring, publish::SourceArchive* archive,
                     const publish::RpmHost& rpm_host, std::string rpm_root)
    : config_(config),
      plan_(plan),
      run_dir_(std::move(run_dir)),
      executor_(executor),
      keyring_(keyring),
      archive_(archive),
      rpm_host_(rpm_host),
      rpm_root_(std::move(rpm_root)) {}

std::string Procedure::run(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) {
  switch (job.role) {
    case JobRole::images: return build_images(job, log, cancel);
    case JobRole::publish_debs: return publish_debs(job, log, cancel);
    case JobRole::publish_rpms: return publish_rpms(job, log, cancel);
    case JobRole::component: return build_component(job, log, cancel);
  }
  throw std::logic_error("unknown job role");
}

std::vector<std::string> Procedure::unresolved_sources() {
  std::vector<std::string> missing;
  std::set<std::pair<std::string, std::string>> looked_up;
  for (const Job& job : plan_.jobs) {
    // An optional job's missing source fails that job alone, as its failure would.
    if (!job.source || job.source->kind == config::SourceKind::dsc || job.optional) continue;
    if (!looked_up.emplace(job.source->repo, job.source->checkout).second) continue;
    try {
      mirror(job.source->repo).resolve(job.source->checkout);
    } catch (const std::exception& e) {
      missing.push_back(job.component + ": " + e.what());
    }
  }
  return missing;
}

std::filesystem::path Procedure::job_dir(const Job& job) const {
  std::string directory = job.id;
  std::replace(directory.begin(), directory.end(), '/', '-');
  return run_dir_ / "jobs" / directory;
}

const config::ComponentConfig& Procedure::component_of(const Job& job) const {
  const config::ComponentConfig* component = config_.publish.find_component(job.component);
  if (!component) throw std::runtime_error("no component \"" + job.component + "\" in the configuration");
  return *component;
}

void Procedure::adopt(const Job& job) {
  if (!job.source) return;  // bld_images and publishing leave nothing later jobs need
  const std::filesystem::path dir = job_dir(job);
  std::lock_guard guard(mutex_);
  if (const std::optional<std::string> record = read_whole_file(dir / "already-published")) {
    // "deb <source> <version>" or "rpm <source RPM>" (or "copy-deb …", "copy-rpm …"), as
    // already_published wrote it.
    const std::vector<std::string> words = publish::split_words(*record);
    if (words.size() == 3 && words[0] == "deb") {
      debs_published_[job.platform].push_back({job.id, words[1], words[2], job.platform});
      return;
    }
    if (words.size() == 2 && words[0] == "rpm") {
      rpms_published_[job.platform].push_back(words[1]);
      return;
    }
    // Promoted: to be copied by the publishing job, as recorded.
    if (words.size() == 3 && words[0] == "copy-deb") {
      debs_to_copy_[job.platform].push_back({job.id, words[1], words[2], job.platform});
      return;
    }
    if (words.size() == 2 && words[0] == "copy-rpm") {
      rpms_to_copy_[job.platform].push_back(words[1]);
      return;
    }
    throw std::runtime_error("an unreadable record in " + (dir / "already-published").string());
  }
  if (job.kind == config::PackageKind::deb) {
    debs_[job.platform].push_back(deb::read_source_artifacts(dir));
    deb_jobs_[debs_[job.platform].back().changes.filename().string()] = job.id;
    return;
  }
  std::vector<std::filesystem::path> found;
  if (std::filesystem::is_directory(dir / "out")) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir / "out")) {
      if (entry.is_regular_file() && entry.path().string().ends_with(".rpm")) found.push_back(entry.path());
    }
  }
  if (found.empty()) throw std::runtime_error("no RPMs from " + job.id + " in " + dir.string());
  auto& list = rpms_[job.platform];
  list.insert(list.end(), found.begin(), found.end());
}

std::mutex& Procedure::lock_for(const std::string& key) {
  std::lock_guard guard(mutex_);
  auto& slot = locks_[key];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

git::Mirror& Procedure::mirror(const std::string& url) {
  // One fetch per remote per run, however many jobs need it; other remotes fetch in parallel.
  std::lock_guard fetching(lock_for("mirror " + url));
  {
    std::lock_guard guard(mutex_);
    if (auto it = mirrors_.find(url); it != mirrors_.end()) return *it->second;
  }
  auto fresh = std::make_unique<git::Mirror>(config_.publish.mirror_dir, url);
  fresh->fetch();
  std::lock_guard guard(mutex_);
  return *(mirrors_[url] = std::move(fresh));
}

std::string Procedure::build_images(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) {
  const std::string tag = config_.publish.docker_image_prefix + job.platform;
  switch (executor_.images()) {
    case exec::ImageSource::none:
      note(log, "the " + executor_.name() + " executor builds with this host's tools: no image to build");
      return "no image needed (" + executor_.name() + " executor)";
    case exec::ImageSource::given:
      note(log, "the " + executor_.name() + " executor runs the image " + tag + " from its registry, as given");
      return "image " + tag + " given";
    case exec::ImageSource::built_here:
    case exec::ImageSource::built_and_pushed: break;
  }
  const std::filesystem::path dockerfile = std::filesystem::path(CALICO_DOCKER_DIR) / (job.platform + ".Dockerfile");
  if (!std::filesystem::exists(dockerfile)) throw std::runtime_error("no Dockerfile for " + job.platform + " at " + dockerfile.string());
  const config::PlatformConfig* platform = config_.publish.find_platform(job.platform);
  const std::string base = platform ? platform->docker_base : "";
  const std::string outcome =
      exec::ensure_image({"docker", dockerfile, tag, base, config_.publish.job_timeout}, log, cancel);
  if (executor_.images() == exec::ImageSource::built_and_pushed) {
    // The cluster pulls it: the registry in the prefix must accept this host's pushes.
    const exec::ProcessResult pushed = exec::run_process({{"docker", "push", tag}, {}, {}, config_.publish.job_timeout}, log, cancel);
    if (!pushed.ok()) throw std::runtime_error("docker push " + tag + " failed (" + pushed.describe() + ")");
    return "image " + tag + (base.empty() ? "" : " (FROM " + base + ")") + " " + outcome + ", pushed";
  }
  return "image " + tag + (base.empty() ? "" : " (FROM " + base + ")") + " " + outcome;
}

const PreparedSource& Procedure::fetch_source(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) {
  const std::string key = job.component + " " + job.source->describe();
  std::lock_guard fetching(lock_for("fetch " + key));
  {
    std::lock_guard guard(mutex_);
    if (auto it = fetched_.find(key); it != fetched_.end()) return *it->second;
  }
  const config::ComponentConfig& component = component_of(job);
  const std::filesystem::path dir = run_dir_ / "sources" / directory_for(key);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto fetched = std::make_unique<PreparedSource>(job.source->kind == config::SourceKind::dsc ? fetch_dsc(job, dir, log, cancel)
                                                                                                : fetch_git(job, component, dir, log));
  std::lock_guard guard(mutex_);
  return *(fetched_[key] = std::move(fetched));
}

const PreparedSource& Procedure::prepare(const Job& job, exec::Session& session, const std::filesystem::path& log, const exec::CancelToken& cancel) {
  const std::string key = job.component + " " + job.source->describe();
  // The first job of a source prepares it (pre-build commands, version file) while the others of
  // the same source wait: Felix's binary is built once, not once per series.
  std::lock_guard preparing(lock_for("source " + key));
  {
    std::lock_guard guard(mutex_);
    if (auto it = prepared_.find(key); it != prepared_.end()) {
      note(log, job.component + " prepared by an earlier job of this run: " + it->second->tree.string());
      return *it->second;
    }
  }
  const config::ComponentConfig& component = component_of(job);
  auto prepared = std::make_unique<PreparedSource>(fetch_source(job, log, cancel));
  if (!prepared->dsc.empty()) {
    // dpkg-source checks every file against the .dsc's checksums while it unpacks.
    const exec::ProcessResult result =
        session.run({{"dpkg-source", "--extract", prepared->dsc.string(), prepared->tree.string()}, prepared->dsc.parent_path().parent_path(),
                     {}, config_.publish.job_timeout},
                    log, cancel);
    if (!result.ok()) throw std::runtime_error("dpkg-source --extract " + prepared->dsc.filename().string() + " failed (" + result.describe() + ")");
  }
  for (const config::PreBuildStep& command : component.pre_build) {
    if (!command.if_file.empty()) {
      const std::optional<std::string> text = read_whole_file(prepared->tree / command.if_file);
      if (!text || text->find(command.if_text) == std::string::npos) {
        note(log, "skipped " + exec::quote_for_log(command.argv) + ": " + command.if_file + " does not mention " + command.if_text);
        continue;
      }
    }
    const exec::ProcessResult result =
        session.run({command.argv, prepared->tree, {}, config_.publish.job_timeout}, log, cancel);
    if (!result.ok()) {
      throw std::runtime_error("pre-build command " + exec::quote_for_log(command.argv) + " failed (" + result.describe() +
                               "); see " + log.string());
    }
  }
  if (!component.version_file.empty()) {
    if (!prepared->version) throw std::runtime_error(component.name + ": version_file needs a component that follows VERSION");
    const std::filesystem::path file = prepared->tree / component.version_file;
    std::string text = read(file);
    const std::string placeholder = "version=\"0.0.0\"";
    std::size_t replaced = 0;
    for (std::size_t at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at)) {
      const std::string value = "version=\"" + prepared->version->python + "\"";
      text.replace(at, placeholder.size(), value);
      at += value.size();
      ++replaced;
    }
    write(file, text);
    note(log, component.version_file + ": version=\"0.0.0\" set to " + prepared->version->python + " (" +
                  std::to_string(replaced) + " place" + (replaced == 1 ? "" : "s") + ")");
  }
  std::lock_guard guard(mutex_);
  return *(prepared_[key] = std::move(prepared));
}

PreparedSource Procedure::fetch_git(const Job& job, const config::ComponentConfig& component,
                                    const std::filesystem::path& dir, const std::filesystem::path& log) {
  git::Mirror& source = mirror(job.source->repo);
  PreparedSource prepared;
  prepared.sha = source.resolve(job.source->checkout);
  if (on_source_resolved_) on_source_resolved_(job, job.source->repo, prepared.sha);
  const git::CommitFacts facts = source.facts(prepared.sha);
  prepared.date = facts.committed_at;
  prepared.tree = dir / component.name;
  source.export_tree(prepared.sha, prepared.tree);
  std::string tags;
  for (const std::string& tag : facts.tags_at) tags += " " + tag;
  note(log, job.source->repo + " @ " + job.source->checkout + " = " + prepared.sha + (tags.empty() ? "" : " (tags:" + tags + ")"));
  if (job.source->kind == config::SourceKind::version) {
    const std::string python = auto_version(plan_.version, facts.version_facts());
    prepared.version = package_version(python, component.epoch);
    prepared.change = deb::change_line(prepared.version->release, component.title, python, prepared.sha);
    note(log, "version " + python + (facts.nearest_tag ? " (nearest tag " + *facts.nearest_tag + ", " +
                                                             std::to_string(facts.commits_since) + " commits since)"
                                                       : std::string()));
  }
  return prepared;
}

PreparedSource Procedure::fetch_dsc(const Job& job, const std::filesystem::path& dir, const std::filesystem::path& log,
                                    const exec::CancelToken& cancel) {
  const std::string& location = job.source->repo;
  const std::filesystem::path download = dir / "download";
  std::filesystem::create_directories(download);
  const std::string dsc_name = location.substr(location.find_last_of('/') + 1);
  auto fetch = [&](const std::string& name) {
    const std::filesystem::path target = download / name;
    if (is_url(location)) {
      const std::string url = location.substr(0, location.find_last_of('/') + 1) + name;
      const exec::ProcessResult result = exec::run_process(
          {{"curl", "--fail", "--silent", "--show-error", "--location", "--retry", "3", "--output", target.string(), url},
           {}, {}, config_.publish.job_timeout},
          log, cancel);
      if (!result.ok()) throw std::runtime_error("cannot download " + url + " (" + result.describe() + ")");
    } else {
      const std::filesystem::path from = std::filesystem::path(location).parent_path() / name;
      if (!std::filesystem::exists(from)) throw std::runtime_error("the source package file " + from.string() + " does not exist");
      std::filesystem::copy_file(from, target, std::filesystem::copy_options::overwrite_existing);
    }
    return target;
  };
  const std::filesystem::path dsc = fetch(dsc_name);
  const std::string dsc_text = read(dsc);
  PreparedSource prepared;
  const auto [source, version] = deb::source_identity(dsc_text);
  if (source.empty() || version.empty()) throw std::runtime_error(location + " has no Source: or Version: field");
  for (const std::string& name : deb::listed_files(dsc_text)) {
    const std::filesystem::path file = fetch(name);
    if (name.find(".orig.") != std::string::npos || name.find(".orig-") != std::string::npos) prepared.beside.push_back(file);
  }
  std::string upstream = deb::without_epoch(version);
  if (const auto dash = upstream.rfind('-'); dash != std::string::npos) upstream = upstream.substr(0, dash);
  prepared.tree = dir / (source + "-" + upstream);
  prepared.dsc = dsc;
  prepared.dsc_source = source;
  prepared.dsc_version = version;
  prepared.date = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  note(log, location + ": " + source + " " + version);
  return prepared;
}

std::string Procedure::rpm_spec(const Job& job, const PreparedSource& source, const std::filesystem::path& tree,
                                const std::filesystem::path& spec_dir, const std::filesystem::path& log) {
  const config::ComponentConfig& component = component_of(job);
  // The spec and the files beside it: from the tree, or from the repository that keeps them.
  std::string spec_path = component.spec;
  if (!component.spec_source.empty()) {
    if (spec_path.empty()) throw std::runtime_error(component.name + ": spec_source needs spec (its path there)");
    git::Mirror& holder = mirror(repository_location(config_, component.spec_source));
    const std::string sha = holder.resolve(component.spec_ref);
    const std::string parent = std::filesystem::path(spec_path).parent_path().string();
    holder.export_directory(sha, parent.empty() ? "." : parent, spec_dir);
    note(log, "spec " + spec_path + " from " + holder.remote_url() + " @ " + component.spec_ref + " = " + sha);
  } else {
    if (spec_path.empty()) spec_path = find_spec(tree);
    const std::filesystem::path parent = (tree / spec_path).parent_path();
    copy_tree(parent, spec_dir);
  }
  const std::filesystem::path spec_file = spec_dir / std::filesystem::path(spec_path).filename();
  std::string spec_text = read(spec_file);
  if (spec_path.ends_with(".in")) {
    if (!source.version) throw std::runtime_error(component.name + ": a spec template (" + spec_path + ") needs a component that follows VERSION");
    try {
      spec_text = rpm::fill_spec(spec_text, {*source.version, config_.publish.maintainer, source.change, source.date});
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(spec_path + ": " + e.what());
    }
  }
  std::filesystem::remove(spec_file);  // SOURCES gets the files beside the spec, SPECS the spec
  return spec_text;
}

bool Procedure::plan_publishes(const Job& job) const {
  const JobRole publishing = job.kind == config::PackageKind::deb ? JobRole::publish_debs : JobRole::publish_rpms;
  return std::any_of(plan_.jobs.begin(), plan_.jobs.end(),
                     [&](const Job& other) { return other.role == publishing && other.platform == job.platform; });
}

std::optional<std::string> Procedure::already_published(const Job& job, const PreparedSource& source, const std::filesystem::path& log,
                                                        const exec::CancelToken& cancel, std::string& not_promoted) {
  // Only a run that publishes what this job builds may skip it, and only once it can sign what
  // it would publish (else publishing fails the same way whether this builds or not).
  if (!plan_publishes(job) || !(rpm_keyring_ || keyring_)) return std::nullopt;
  const config::ComponentConfig& component = component_of(job);
  const std::filesystem::path dir = job_dir(job);
  try {
    std::string record;  // what adopt() reads back in a resumed run
    std::string summary;
    if (job.kind == config::PackageKind::deb) {
      if (!archive_ || !keyring_) return std::nullopt;
      // The name and version the source package will have: the .dsc's, or debian/control's name
      // and the computed version (a generated changelog) or the changelog's own as build_deb
      // leaves it (retargeting everywhere renames the series inside the version too).
      std::string name = source.dsc_source;
      std::string version = source.dsc_version;
      if (!source.dsc.empty() && component.changelog == config::ChangelogMode::retarget_all) {
        return std::nullopt;  // the series it renames is in the changelog, known once extracted
      }
      if (source.dsc.empty()) {
        name = deb::control_source_name(read(source.tree / "debian" / "control"));
        if (component.changelog == config::ChangelogMode::generate) {
          if (!source.version) return std::nullopt;  // build_deb says why
          version = source.version->debian(job.platform);
        } else {
          std::string changelog = read(source.tree / "debian" / "changelog");
          if (component.changelog != config::ChangelogMode::keep) {
            changelog = deb::retarget_changelog(changelog, job.platform, component.changelog == config::ChangelogMode::retarget_all);
          }
          version = deb::changelog_version(changelog);
        }
      }
      std::string held = version;
      if (!archive_->has_source(name, version)) {
        const std::optional<std::string> later = archive_->later_build_of(name, version);
        if (!later && promotes()) {
          // Not in the release's PPA: copy it from the one it is promoted from, if that one has
          // published exactly this.
          const publish::Eligibility eligibility =
              promotion_ ? publish::promotion_eligibility(promote_from_, name, version, promotion_->find(name, version, job.platform))
                         : publish::Eligibility{false, "no Launchpad OAuth token to copy with (secrets.launchpad_consumer_key, "
                                                       "launchpad_token, launchpad_token_secret)"};
          if (!eligibility.eligible) {
            not_promoted = eligibility.reason;
            note(log, "not promoted from " + promote_from_ + ": " + eligibility.reason + "; building " + name + " " + version);
            return std::nullopt;
          }
          record = "copy-deb " + name + " " + version;
          summary = std::string(publish::kPromotedResult) + eligibility.reason + " (pub_debs copies it), nothing built";
          std::lock_guard guard(mutex_);
          debs_to_copy_[job.platform].push_back({job.id, name, version, job.platform});
        } else if (!later) {
          note(log, name + " " + version + " is not in the archive yet: building it");
          return std::nullopt;
        } else {
          held = *later;
        }
      }
      if (record.empty()) {
        summary = "already published: " + name + " " + held +
                  (held == version ? "" : " (a later build of the same snapshot as " + version + ")") + ", nothing built";
        record = "deb " + name + " " + held;
        std::lock_guard guard(mutex_);
        debs_published_[job.platform].push_back({job.id, name, held, job.platform});
      }
    } else {
      const config::PlatformConfig* platform = config_.publish.find_platform(job.platform);
      const std::filesystem::path check = dir / "check";
      std::filesystem::remove_all(dir);
      const std::filesystem::path spec_dir = check / "spec";
      const std::string spec_text = rpm_spec(job, source, source.tree, spec_dir, log);
      write(check / "query.spec", spec_text);
      const std::string srpm =
          rpm::source_rpm_name(check / "query.spec", platform ? platform->rpm_dist : "",
                               platform ? platform->rpm_defines : std::vector<std::string>{}, config_.publish.job_timeout, log, cancel);
      publish::RpmRepository repository(rpm_host_, rpm_root_, plan_.repo_name, config_.publish.rpm_keep_versions);
      if (repository.holds_source_rpm(srpm, log, cancel)) {
        summary = "already published: " + srpm + " in " + repository.repo_dir() + ", nothing built";
        record = "rpm " + srpm;
        std::lock_guard guard(mutex_);
        rpms_published_[job.platform].push_back(srpm);
      } else if (!promotes()) {
        note(log, srpm + " is not in " + repository.repo_dir() + " yet: building it");
        return std::nullopt;
      } else {
        const publish::RpmRepository from(rpm_host_, rpm_root_, promote_from_, config_.publish.rpm_keep_versions);
        if (!from.has_source_rpm(srpm, log, cancel)) {
          not_promoted = promote_from_ + " holds no " + srpm;
          note(log, "not promoted from " + promote_from_ + ": " + from.repo_dir() + " holds no " + srpm + "; building it");
          return std::nullopt;
        }
        summary = std::string(publish::kPromotedResult) + srpm + " and its RPMs in " + from.repo_dir() +
                  " (pub_rpms copies them), nothing built";
        record = "copy-rpm " + srpm;
        std::lock_guard guard(mutex_);
        rpms_to_copy_[job.platform].push_back(srpm);
      }
    }
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    write(dir / "already-published", record + "\n");
    note(log, summary);
    return summary;
  } catch (const std::exception& e) {
    if (cancel.cancelled()) throw;
    note(log, "cannot tell whether this is already published (" + std::string(e.what()) + "): building it");
    return std::nullopt;
  }
}

std::string Procedure::build_component(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) {
  // The job's session: this host, a container of the platform's image, or a Pod; closed (its
  // container or Pod gone) when the job ends, however it ends.
  // Asked before any session opens or any pre-build command runs: a publish of what is already
  // published costs a fetch and a question, not a build.
  std::string not_promoted;
  if (std::optional<std::string> published = already_published(job, fetch_source(job, log, cancel), log, cancel, not_promoted)) {
    return *published;
  }
  const std::unique_ptr<exec::Session> session = executor_.open({job.id, job.platform});
  const PreparedSource& source = prepare(job, *session, log, cancel);
  const std::string built = job.kind == config::PackageKind::deb ? build_deb(job, *session, source, log, cancel)
                                                                 : build_rpm(job, *session, source, log, cancel);
  // The build page and GitHub show a job's summary: a release that was not promoted says why.
  return not_promoted.empty() ? built : std::string(publish::kNotPromotedResult) + not_promoted + "): " + built;
}

std::string Procedure::build_deb(const Job& job, exec::Session& session, const PreparedSource& source, const std::filesystem::path& log,
                                 const exec::CancelToken& cancel) {
  const config::ComponentConfig& component = component_of(job);
  const std::filesystem::path dir = job_dir(job);
  std::filesystem::remove_all(dir);
  const std::filesystem::path tree = dir / source.tree.filename();
  copy_tree(source.tree, tree);
  for (const std::filesystem::path& file : source.beside) std::filesystem::copy_file(file, dir / file.filename());

  const std::filesystem::path changelog = tree / "debian" / "changelog";
  switch (component.changelog) {
    case config::ChangelogMode::generate: {
      if (!source.version) throw std::runtime_error(component.name + ": a generated changelog needs a component that follows VERSION");
      const std::string name = deb::control_source_name(read(tree / "debian" / "control"));
      write(changelog, deb::render_changelog({name, source.version->debian(job.platform), job.platform,
                                              config_.publish.maintainer, source.change, source.date}));
      break;
    }
    case config::ChangelogMode::keep: break;
    case config::ChangelogMode::retarget_first:
    case config::ChangelogMode::retarget_all:
      write(changelog, deb::retarget_changelog(read(changelog), job.platform,
                                               component.changelog == config::ChangelogMode::retarget_all));
      break;
  }

  // On this host and in a Debian-based image alike (see write_native_revision_shim); the run
  // directory is inside the workspace a container mounts.
  const std::filesystem::path shim = run_dir_ / "tools";
  {
    std::lock_guard guard(mutex_);
    if (!std::filesystem::exists(shim / "dpkg-source")) deb::write_native_revision_shim(shim);
  }
  deb::SourceArtifacts built = deb::build_source_package(
      {tree, job.platform, component.exclude, shim, source.date, config_.publish.job_timeout}, session, log, cancel);
  const std::string summary = built.source + " " + built.version + " source package";
  std::lock_guard guard(mutex_);
  deb_jobs_[built.changes.filename().string()] = job.id;
  debs_[job.platform].push_back(std::move(built));
  return summary;
}

std::string Procedure::build_rpm(const Job& job, exec::Session& session, const PreparedSource& source, const std::filesystem::path& log,
                                 const exec::CancelToken& cancel) {
  const config::ComponentConfig& component = component_of(job);
  const config::PlatformConfig* platform = config_.publish.find_platform(job.platform);
  const std::filesystem::path dir = job_dir(job);
  std::filesystem::remove_all(dir);
  const std::filesystem::path tree = dir / source.tree.filename();
  copy_tree(source.tree, tree);

  const std::filesystem::path spec_dir = dir / "spec";
  const std::string spec_text = rpm_spec(job, source, tree, spec_dir, log);

  const bool on_host = executor_.builds_on_host();
  rpm::RpmArtifacts built = rpm::build_rpm(
      {tree, dir, job.platform, platform ? platform->rpm_dist : "", platform ? platform->rpm_defines : std::vector<std::string>{},
       spec_text, spec_dir, component.tarball(), component.exclude,
       platform && platform->rpm_check_build_deps ? *platform->rpm_check_build_deps : !on_host, source.date,
       config_.publish.job_timeout},
      session, log, cancel);
  std::string summary = built.name + " " + built.version + ", " + std::to_string(built.rpms.size()) + " RPMs";
  std::lock_guard guard(mutex_);
  auto& list = rpms_[job.platform];
  list.insert(list.end(), built.rpms.begin(), built.rpms.end());
  return summary;
}

std::string Procedure::publish_debs(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) {
  if (!keyring_) throw std::runtime_error("no signing key: set SECRET_KEY or secrets.gpg_secret_key");
  if (!archive_) throw std::runtime_error("no way to ask the archive what it already holds");
  std::vector<deb::SourceArtifacts> packages;
  {
    std::lock_guard guard(mutex_);
    packages = debs_[job.platform];
  }
  std::vector<Upload> published;
  std::vector<Upload> copies;
  {
    std::lock_guard guard(mutex_);
    published = debs_published_[job.platform];
    copies = debs_to_copy_[job.platform];
  }
  // Found in the archive before they were built: the build's report covers them too.
  if (on_in_archive_) {
    for (const Upload& upload : published) on_in_archive_(upload);
  }
  // Promoted: copied (queued on Launchpad) and then followed like uploads until published; a
  // copy job that fails shows as a publication that never comes, like a rejected upload.
  std::string copied;
  if (!copies.empty()) {
    if (!promotion_) throw std::runtime_error("promoted packages to copy, but no Launchpad OAuth token to copy with");
    for (const Upload& copy : copies) {
      try {
        promotion_->copy(copy.source, copy.version, copy.series);
      } catch (const std::exception& e) {
        throw std::runtime_error("copying " + copy.source + " " + copy.version + " from " + promote_from_ + " was refused (" + e.what() +
                                 "); fix the token or its permission, or set [publish] promote_from = \"\" to build it from source");
      }
      note(log, "copy of " + copy.source + " " + copy.version + " from " + promote_from_ + " into " + plan_.repo_name + " queued");
      if (on_uploaded_) on_uploaded_(copy);
    }
    copied = ", " + std::to_string(copies.size()) + " copied from " + promote_from_;
  }
  if (packages.empty()) {
    if (!published.empty() || !copies.empty()) {
      return "0 uploaded" + copied + ", " + std::to_string(published.size()) + " already in the archive (nothing built)";
    }
    return "nothing built for " + job.platform + " in this run";
  }
  const publish::UploadResult result = publish::upload_sources(packages, *keyring_, config_.publish, plan_.repo_name,
                                                               *archive_, run_dir_ / "jobs" / ("pub_debs-" + job.platform),
                                                               log, cancel);
  for (const deb::SourceArtifacts& package : packages) {
    const std::string name = package.changes.filename().string();
    const bool uploaded = std::find(result.uploaded.begin(), result.uploaded.end(), name) != result.uploaded.end();
    const bool skipped = std::find(result.skipped.begin(), result.skipped.end(), name) != result.skipped.end();
    std::string built_by;
    {
      std::lock_guard guard(mutex_);
      built_by = deb_jobs_[name];
    }
    const auto held = result.held_as.find(name);
    const Upload upload{built_by, package.source, held != result.held_as.end() ? held->second : package.version, job.platform};
    if (uploaded && on_uploaded_) on_uploaded_(upload);
    if (skipped && on_in_archive_) on_in_archive_(upload);
  }
  return std::to_string(result.uploaded.size()) + " uploaded" + copied + ", " +
         std::to_string(result.skipped.size() + published.size()) + " already in the archive";
}

std::string Procedure::publish_rpms(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) {
  const sign::Keyring* keyring = rpm_keyring_ ? rpm_keyring_ : keyring_;
  if (!keyring) throw std::runtime_error("no signing key: set SECRET_KEY or secrets.gpg_secret_key");
  std::vector<std::filesystem::path> rpms;
  std::vector<std::string> copies;
  std::size_t published = 0;
  {
    std::lock_guard guard(mutex_);
    rpms = rpms_[job.platform];
    copies = rpms_to_copy_[job.platform];
    published = rpms_published_[job.platform].size();
  }
  if (rpms.empty() && copies.empty()) {
    if (published > 0) return "0 added, " + std::to_string(published) + " source RPMs already there (nothing built)";
    return "nothing built for " + job.platform + " in this run";
  }
  publish::sign_rpms(*keyring, rpms, log, cancel);
  publish::RpmRepository repository(rpm_host_, rpm_root_, plan_.repo_name, config_.publish.rpm_keep_versions);
  // Promoted: the tested files themselves, copied on the host; the index is then made again.
  std::size_t copied = 0;
  if (!copies.empty()) {
    const publish::RpmRepository from(rpm_host_, rpm_root_, promote_from_, config_.publish.rpm_keep_versions);
    for (const std::string& srpm : copies) {
      const std::vector<std::string> files = repository.copy_build_from(from, srpm, log, cancel);
      note(log, "copied from " + from.repo_dir() + ": " + std::to_string(files.size()) + " files of " + srpm);
      copied += files.size();
    }
  }
  const publish::RpmPublishResult result = repository.publish(rpms, keyring->export_public_key(), log, cancel, !copies.empty());
  return std::to_string(result.added.size()) + " added, " + (copied ? std::to_string(copied) + " copied from " + promote_from_ + ", " : "") +
         std::to_string(result.present.size()) + " already there" +
         (published > 0 ? " (and " + std::to_string(published) + " source RPMs not built, already there)" : "") + ", " +
         std::to_string(result.pruned.size()) + " pruned in " + repository.repo_dir() + " on " + rpm_host_.describe();
}

}  // namespace calico::builders::pipeline
