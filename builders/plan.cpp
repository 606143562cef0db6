#include "builders/plan.hpp"

#include "builders/text.hpp"

#include <algorithm>
#include <regex>
#include <sstream>

namespace calico::builders {

namespace {

// Values from the environment or a comment reach git's and dput's command lines: they must look
// like what they claim to be, and never like an option.
void check_ref(const std::string& value, const std::string& name) {
  static const std::regex shape("[A-Za-z0-9][A-Za-z0-9._/+-]{0,199}");
  if (!std::regex_match(value, shape) || value.find("..") != std::string::npos || value.ends_with(".lock") ||
      value.ends_with("/")) {
    throw PlanError(name + " \"" + value.substr(0, 80) + "\" is not a branch, tag or commit id");
  }
}

void check_repo(const std::string& value, const std::string& name) {
  static const std::regex shape("[A-Za-z0-9/._~:@+-]{1,400}");
  if (value.starts_with("-") || !std::regex_match(value, shape)) {
    throw PlanError(name + " \"" + value.substr(0, 80) + "\" is not a git URL or path");
  }
}

void check_repo_name(const std::string& value) {
  static const std::regex shape("[a-z0-9][a-z0-9.+-]{0,63}");
  if (!std::regex_match(value, shape)) {
    throw PlanError("REPO_NAME \"" + value.substr(0, 80) + "\" is not a PPA name (lower-case letters, digits, '.', '+', '-')");
  }
}

// Where a component's git source lives: a [[repositories]] name or URL given as its `source`,
// else the repository of its own name, else its public upstream.
std::string component_url(const config::Config& config, const config::ComponentConfig& component) {
  const std::string& wanted = component.repository_name();
  if (const config::RepositoryConfig* repo = config.find_repository_by_name(wanted)) return repo->url;
  if (!component.source.empty() && component.source.find('/') != std::string::npos) return component.source;
  if (component.source.empty() && !component.upstream_url.empty()) return component.upstream_url;
  throw PlanError("publish.components." + component.name + ".source: no repository named \"" + wanted +
                  "\" in [[repositories]] and it is not a URL");
}

SourceSpec source_for(const PublishRequest& request, const config::Config& config, const config::ComponentConfig& component,
                      const std::string& platform) {
  SourceSpec spec;
  spec.kind = component.source_kind;
  if (component.source_kind == config::SourceKind::dsc) {
    const std::string* dsc = component.ref_for(platform);
    if (!dsc) throw PlanError("publish.components." + component.name + " has no .dsc for platform " + platform);
    spec.repo = *dsc;
    return spec;
  }
  if (component.source_kind == config::SourceKind::refs) {
    const std::string* ref = component.ref_for(platform);
    if (!ref) throw PlanError("publish.components." + component.name + " has no ref for platform " + platform);
    spec.repo = component_url(config, component);
    check_repo(spec.repo, "publish.components." + component.name + ".source");
    spec.checkout = *ref;
    return spec;
  }
  const std::string repo_variable = component.variable + "_REPO";
  const std::string checkout_variable = component.variable + "_CHECKOUT";
  if (auto it = request.repos.find(component.name); it != request.repos.end()) spec.repo = it->second;
  else spec.repo = component_url(config, component);
  check_repo(spec.repo, request.repos.count(component.name) ? repo_variable : "the repository of " + component.name);
  const config::RepositoryConfig* repository = config.find_repository_by_name(component.repository_name());
  if (auto it = request.checkouts.find(component.name); it != request.checkouts.end()) spec.checkout = it->second;
  else spec.checkout = checkout_for_version(request.version, component, repository ? repository->master_branch : "master");
  check_ref(spec.checkout, checkout_variable);
  return spec;
}

}  // namespace

std::vector<std::string> split_list(std::string_view text) { return split_on(text, ", \t\n"); }

std::string SourceSpec::describe() const { return checkout.empty() ? repo : repo + " @ " + checkout; }

std::string checkout_for_version(const std::string& version, const config::ComponentConfig& component,
                                 const std::string& master_branch) {
  if (version == "master") return master_branch;
  if (std::optional<ReleaseTag> tag = parse_release_tag(version)) {
    ReleaseTag checkout = *tag;
    checkout.python2 = tag->python2 && component.python2_tag;
    return checkout.tag();
  }
  return version;  // release-vX.Y: the branch of that name
}

const Job* Plan::find(const std::string& id) const {
  for (const Job& job : jobs) {
    if (job.id == id) return &job;
  }
  return nullptr;
}

const SourceSpec* Plan::version_source(const std::string& component) const {
  for (const auto& [name, spec] : version_sources) {
    if (name == component) return &spec;
  }
  return nullptr;
}

Plan make_plan(const PublishRequest& request, const config::Config& config) {
  const config::PublishConfig& publish = config.publish;
  Plan plan;
  plan.version = request.version;
  plan.repo_name = target_repo_for_version(request.version);  // refuses a bad VERSION
  plan.release_tag = parse_release_tag(request.version);
  plan.release = plan.release_tag.has_value();
  if (request.repo_name) {
    check_repo_name(*request.repo_name);
    plan.repo_name = *request.repo_name;
  }
  plan.ppa = "ppa:" + publish.ppa_owner + "/" + plan.repo_name;
  for (const std::string& name : request.enable) {
    if (!publish.find_component(name)) throw PlanError("no component named \"" + name.substr(0, 40) + "\" to enable");
  }
  for (const auto* overrides : {&request.repos, &request.checkouts}) {
    for (const auto& [name, value] : *overrides) {
      const config::ComponentConfig* component = publish.find_component(name);
      if (!component || component->source_kind != config::SourceKind::version) {
        throw PlanError("\"" + name.substr(0, 40) + "\" is not a component that follows VERSION");
      }
    }
  }
  for (const config::ComponentConfig& component : publish.components) {
    if (component.source_kind == config::SourceKind::version) {
      plan.version_sources.emplace_back(component.name, source_for(request, config, component, ""));
    }
  }

  const std::vector<std::string> every_step = all_steps(publish);
  if (request.steps) {
    for (const std::string& name : *request.steps) {
      if (!step_role(publish, name)) {
        throw PlanError("STEPS: unknown step \"" + name.substr(0, 40) + "\"; the steps are " + step_list(publish));
      }
    }
    for (const std::string& step : every_step) {
      if (std::find(request.steps->begin(), request.steps->end(), step) != request.steps->end()) plan.steps.push_back(step);
    }
    if (plan.steps.empty()) throw PlanError("STEPS is empty");
  } else {
    plan.steps = every_step;
  }

  for (const config::PlatformConfig& platform : publish.platforms) {
    if (!request.platforms || std::find(request.platforms->begin(), request.platforms->end(), platform.name) !=
                                  request.platforms->end()) {
      plan.platforms.push_back(platform.name);
    }
  }
  if (request.platforms) {
    for (const std::string& name : *request.platforms) {
      if (!publish.find_platform(name)) {
        std::string known;
        for (const auto& p : publish.platforms) known += (known.empty() ? "" : ", ") + p.name;
        throw PlanError("platform \"" + name.substr(0, 40) + "\" is not configured; the platforms are " + known);
      }
    }
    if (plan.platforms.empty()) throw PlanError("no platforms selected");
  }

  const bool images = std::find(plan.steps.begin(), plan.steps.end(), kImagesStep) != plan.steps.end();
  for (const std::string& step : plan.steps) {
    const JobRole role = *step_role(publish, step);
    const config::ComponentConfig* component = role == JobRole::component ? publish.find_step(step) : nullptr;
    if (component && !component->enabled &&
        std::find(request.enable.begin(), request.enable.end(), component->name) == request.enable.end()) {
      plan.notes.push_back(step + ": " + component->name + " is built only on request (PACKAGE_" + component->variable +
                           "=true or publish.components." + component->name + ".enabled)");
      continue;
    }
    for (const std::string& platform_name : plan.platforms) {
      const config::PlatformConfig& platform = *publish.find_platform(platform_name);
      Job job;
      job.step = step;
      job.role = role;
      job.platform = platform_name;
      job.kind = platform.kind;
      job.id = step + "/" + platform_name;
      if (role == JobRole::images) {
        plan.jobs.push_back(std::move(job));
        continue;
      }
      if (component) {
        if (!component->builds_on(platform_name)) continue;
        job.component = component->name;
        job.optional = component->optional;
        job.source = component->source_kind == config::SourceKind::version ? *plan.version_source(component->name)
                                                                           : source_for(request, config, *component, platform_name);
        if (images) job.depends_on.push_back(std::string(kImagesStep) + "/" + platform_name);
        plan.jobs.push_back(std::move(job));
        continue;
      }
      // pub_debs / pub_rpms: one per platform of their kind, after every build for it.
      const bool debs = role == JobRole::publish_debs;
      if ((platform.kind == config::PackageKind::deb) != debs) continue;
      for (const Job& built : plan.jobs) {
        if (built.platform == platform_name && built.source) (built.optional ? job.after : job.depends_on).push_back(built.id);
      }
      plan.jobs.push_back(std::move(job));
    }
  }
  if (plan.jobs.empty()) throw PlanError("the selected steps and platforms make no jobs");
  return plan;
}

std::string Plan::describe() const {
  std::ostringstream out;
  out << "VERSION=" << version << (release ? " (release)" : " (snapshot)") << "\n"
      << "REPO_NAME=" << repo_name << " (" << ppa << ")\n";
  for (const auto& [name, spec] : version_sources) out << name << ": " << spec.describe() << "\n";
  out << "STEPS=";
  for (std::size_t i = 0; i < steps.size(); ++i) out << (i ? "," : "") << steps[i];
  out << "\nPLATFORMS=";
  for (std::size_t i = 0; i < platforms.size(); ++i) out << (i ? "," : "") << platforms[i];
  out << "\n";
  for (const std::string& note : notes) out << "note: " << note << "\n";
  out << jobs.size() << " jobs:\n";
  for (const Job& job : jobs) {
    out << "  " << job.id;
    if (job.source) out << "  [" << job.source->describe() << "]";
    if (job.optional) out << "  (optional)";
    if (!job.depends_on.empty() || !job.after.empty()) {
      out << "  after ";
      for (std::size_t i = 0; i < job.depends_on.size(); ++i) out << (i ? ", " : "") << job.depends_on[i];
      for (std::size_t i = 0; i < job.after.size(); ++i) out << (i || !job.depends_on.empty() ? ", " : "") << job.after[i] << " (optional)";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace calico::builders
