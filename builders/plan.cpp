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

std::string repository_url(const config::Config& config, const std::string& name, const std::string& override_name) {
  const config::RepositoryConfig* repo = config.find_repository_by_name(name);
  if (!repo) {
    throw PlanError("no repository named \"" + name + "\" in the configuration; add one to [[repositories]] or set " +
                    override_name);
  }
  return repo->url;
}

SourceSpec source_for(const std::optional<std::string>& repo_override, const std::optional<std::string>& checkout_override,
                      const std::string& default_checkout, const config::Config& config, const std::string& name,
                      const std::string& variable) {
  SourceSpec spec;
  spec.repo = repo_override ? *repo_override : repository_url(config, name, variable + "_REPO");
  check_repo(spec.repo, variable + "_REPO");
  spec.checkout = checkout_override ? *checkout_override : default_checkout;
  check_ref(spec.checkout, variable + "_CHECKOUT");
  return spec;
}

// The source of a component built from a configured ref per platform (dnsmasq, nettle, etcd3gw).
SourceSpec configured_source(const config::Config& config, const std::string& component_name,
                             const config::ComponentConfig& component, const std::string& platform) {
  const std::string* ref = component.ref_for(platform);
  if (!ref) throw PlanError("publish.components." + component_name + " has no ref for platform " + platform);
  const std::string& source = component.source.empty() ? component_name : component.source;
  std::string url;
  if (const config::RepositoryConfig* repo = config.find_repository_by_name(source)) {
    url = repo->url;
  } else if (!component.source.empty() && component.source.find('/') != std::string::npos) {
    url = component.source;
  } else if (component.source.empty() && !component.upstream_url.empty()) {
    url = component.upstream_url;
  } else {
    throw PlanError("publish.components." + component_name + ".source: no repository named \"" + source +
                    "\" in [[repositories]] and it is not a URL");
  }
  SourceSpec spec{url, *ref};
  check_repo(spec.repo, "publish.components." + component_name + ".source");
  return spec;
}

}  // namespace

std::vector<std::string> split_list(std::string_view text) { return split_on(text, ", \t\n"); }

const Job* Plan::find(const std::string& id) const {
  for (const Job& job : jobs) {
    if (job.id == id) return &job;
  }
  return nullptr;
}

Plan make_plan(const PublishRequest& request, const config::Config& config) {
  Plan plan;
  plan.version = request.version;
  plan.repo_name = target_repo_for_version(request.version);  // refuses a bad VERSION
  plan.release_tag = parse_release_tag(request.version);
  plan.release = plan.release_tag.has_value();
  if (request.repo_name) {
    check_repo_name(*request.repo_name);
    plan.repo_name = *request.repo_name;
  }
  plan.ppa = "ppa:" + config.publish.ppa_owner + "/" + plan.repo_name;
  // master builds master; a release builds its own tag.
  const std::string checkout = request.version;
  plan.felix = source_for(request.felix_repo, request.felix_checkout, checkout, config, "felix", "FELIX");
  plan.networking_calico = source_for(request.networking_calico_repo, request.networking_calico_checkout, checkout,
                                      config, "networking-calico", "NETWORKING_CALICO");

  if (request.steps) {
    for (const std::string& name : *request.steps) {
      std::optional<Step> step = parse_step(name);
      if (!step) {
        std::string known;
        for (Step s : kAllSteps) known += (known.empty() ? "" : ", ") + std::string(step_name(s));
        throw PlanError("STEPS: unknown step \"" + name.substr(0, 40) + "\"; the steps are " + known);
      }
      if (std::find(plan.steps.begin(), plan.steps.end(), *step) == plan.steps.end()) plan.steps.push_back(*step);
    }
    if (plan.steps.empty()) throw PlanError("STEPS is empty");
    std::sort(plan.steps.begin(), plan.steps.end());
  } else {
    plan.steps.assign(kAllSteps.begin(), kAllSteps.end());
  }

  for (const config::PlatformConfig& platform : config.publish.platforms) {
    if (!request.platforms || std::find(request.platforms->begin(), request.platforms->end(), platform.name) !=
                                  request.platforms->end()) {
      plan.platforms.push_back(platform.name);
    }
  }
  if (request.platforms) {
    for (const std::string& name : *request.platforms) {
      if (!config.publish.find_platform(name)) {
        std::string known;
        for (const auto& p : config.publish.platforms) known += (known.empty() ? "" : ", ") + p.name;
        throw PlanError("platform \"" + name.substr(0, 40) + "\" is not configured; the platforms are " + known);
      }
    }
    if (plan.platforms.empty()) throw PlanError("no platforms selected");
  }

  auto selected = [&](Step step) { return std::find(plan.steps.begin(), plan.steps.end(), step) != plan.steps.end(); };
  for (Step step : plan.steps) {
    for (const std::string& platform_name : plan.platforms) {
      const config::PlatformConfig& platform = *config.publish.find_platform(platform_name);
      Job job;
      job.step = step;
      job.platform = platform_name;
      job.kind = platform.kind;
      job.id = std::string(step_name(step)) + "/" + platform_name;
      if (step == Step::bld_images) {
        plan.jobs.push_back(std::move(job));
        continue;
      }
      if (std::optional<std::string_view> component_name = step_component(step)) {
        const config::ComponentConfig* component = config.publish.find_component(*component_name);
        if (!component || !component->builds_on(platform_name)) continue;
        if (step == Step::felix) job.source = plan.felix;
        else if (step == Step::net_cal) job.source = plan.networking_calico;
        else job.source = configured_source(config, std::string(*component_name), *component, platform_name);
        if (selected(Step::bld_images)) job.depends_on.push_back("bld_images/" + platform_name);
        plan.jobs.push_back(std::move(job));
        continue;
      }
      // pub_debs / pub_rpms: one per platform of their kind, after every build for it.
      const bool debs = step == Step::pub_debs;
      if ((platform.kind == config::PackageKind::deb) != debs) continue;
      for (const Job& built : plan.jobs) {
        if (built.platform == platform_name && built.source) job.depends_on.push_back(built.id);
      }
      plan.jobs.push_back(std::move(job));
    }
  }
  if (plan.jobs.empty()) throw PlanError("the selected steps and platforms make no jobs");
  return plan;
}

std::string Plan::describe() const {
  std::ostringstream out;
  out << "VERSION=" << version << (release ? " (release)" : " (master snapshot)") << "\n"
      << "REPO_NAME=" << repo_name << " (" << ppa << ")\n"
      << "FELIX=" << felix.repo << " @ " << felix.checkout << "\n"
      << "NETWORKING_CALICO=" << networking_calico.repo << " @ " << networking_calico.checkout << "\n"
      << "STEPS=";
  for (std::size_t i = 0; i < steps.size(); ++i) out << (i ? "," : "") << step_name(steps[i]);
  out << "\nPLATFORMS=";
  for (std::size_t i = 0; i < platforms.size(); ++i) out << (i ? "," : "") << platforms[i];
  out << "\n" << jobs.size() << " jobs:\n";
  for (const Job& job : jobs) {
    out << "  " << job.id;
    if (job.source) out << "  [" << job.source->repo << " @ " << job.source->checkout << "]";
    if (!job.depends_on.empty()) {
      out << "  after ";
      for (std::size_t i = 0; i < job.depends_on.size(); ++i) out << (i ? ", " : "") << job.depends_on[i];
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace calico::builders
