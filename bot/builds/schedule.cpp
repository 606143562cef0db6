#include "bot/builds/schedule.hpp"

#include <algorithm>

#include "bot/util/time_format.hpp"

namespace calico::builds {

namespace {

handlers::BuildRequest master_request(std::string trigger) {
  handlers::BuildRequest request;
  request.kind = handlers::BuildRequest::Kind::nightly;
  request.target_repo = "master";
  request.version = "master";
  request.trigger = std::move(trigger);
  return request;
}

}  // namespace

std::optional<std::string> nightly_time(std::chrono::sys_seconds now, const config::DispatchConfig& dispatch,
                                        const std::string& last_nightly_day) {
  const std::string today = util::iso8601(now).substr(0, 10);
  const auto since_midnight = now - std::chrono::floor<std::chrono::days>(now);
  const auto nightly = std::chrono::hours(dispatch.nightly_hour) + std::chrono::minutes(dispatch.nightly_minute);
  if (since_midnight < nightly || last_nightly_day == today) return std::nullopt;
  return today;
}

std::optional<handlers::BuildRequest> nightly_request(const MasterFacts& facts) {
  const bool changed = std::any_of(facts.changed_at.begin(), facts.changed_at.end(), [&](const std::string& at) {
    return !facts.last_success_started || at > *facts.last_success_started;
  });
  if (!changed) return std::nullopt;
  return master_request("nightly build: master changed since the last good build");
}

std::optional<handlers::BuildRequest> quiet_request(std::chrono::sys_seconds now, const config::DispatchConfig& dispatch,
                                                    const MasterFacts& facts) {
  if (dispatch.master_quiet.count() == 0 || facts.changed_at.empty()) return std::nullopt;
  const std::string latest = *std::max_element(facts.changed_at.begin(), facts.changed_at.end());
  const auto changed = util::parse_iso8601(latest);
  if (!changed || now - *changed < dispatch.master_quiet) return std::nullopt;
  if (facts.last_build_started && *facts.last_build_started >= latest) return std::nullopt;
  return master_request("master quiet for " + std::to_string(dispatch.master_quiet.count() / 60) + " minutes after a change");
}

TagWait tag_wait(const std::string& version, const std::vector<std::string>& missing, std::chrono::sys_seconds requested_at,
                 std::chrono::sys_seconds now, const config::DispatchConfig& dispatch) {
  if (missing.empty()) return {};
  std::string names;
  for (const std::string& name : missing) names += (names.empty() ? "" : ", ") + name;
  if (now - requested_at >= dispatch.tag_wait) {
    return {TagWait::Verdict::give_up, {},
            version + " is still missing on " + names + " after " + std::to_string(dispatch.tag_wait.count() / 60) + " minutes"};
  }
  return {TagWait::Verdict::wait, now + dispatch.tag_check, version + " is not yet on " + names};
}

ComponentRefChanges component_ref_changes(const config::PublishConfig& publish,
                                          const std::map<std::pair<std::string, std::string>, std::string>& known) {
  ComponentRefChanges changes;
  for (const config::ComponentConfig& component : publish.components) {
    if (component.source_kind == config::SourceKind::version || !component.enabled) continue;
    for (const std::string& platform : component.platforms) {
      const std::string* ref = component.ref_for(platform);
      if (!ref) continue;
      const auto before = known.find({component.name, platform});
      if (before != known.end() && before->second == *ref) continue;
      changes.remember.push_back({component.name, platform, *ref});
      if (before == known.end()) continue;  // first sight of the configuration: what is configured was built before
      const config::PlatformConfig* target = publish.find_platform(platform);
      handlers::BuildRequest request = master_request(component.name + " for " + platform + " now builds from " + *ref +
                                                      " (was " + before->second + ")");
      request.steps = {component.step, target && target->kind == config::PackageKind::rpm ? "pub_rpms" : "pub_debs"};
      request.platforms = {platform};
      changes.requests.push_back(std::move(request));
    }
  }
  return changes;
}

}  // namespace calico::builds
