#include "bot/launchpad/assess.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace calico::launchpad {

namespace json = boost::json;

namespace {

bool failed_buildstate(std::string_view state) {
  for (std::string_view failure : {"Failed to build", "Chroot problem", "Failed to upload", "Cancelled build", "Cancelling build"}) {
    if (state == failure) return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(ArchState state) {
  switch (state) {
    case ArchState::building: return "building";
    case ArchState::waiting_dependency: return "waiting for a dependency";
    case ArchState::built: return "built";
    case ArchState::published: return "published";
    case ArchState::superseded: return "superseded";
    case ArchState::failed: return "failed";
  }
  return "?";
}

std::string_view to_string(WatchState state) {
  switch (state) {
    case WatchState::waiting: return "waiting";
    case WatchState::building: return "building";
    case WatchState::published: return "published";
    case WatchState::superseded: return "superseded";
    case WatchState::failed: return "failed";
    case WatchState::rejected: return "rejected";
  }
  return "?";
}

WatchState watch_state_from(std::string_view text) {
  for (WatchState state : {WatchState::waiting, WatchState::building, WatchState::published, WatchState::superseded,
                           WatchState::failed, WatchState::rejected}) {
    if (to_string(state) == text) return state;
  }
  return WatchState::waiting;
}

ArchState arch_state_from(std::string_view text) {
  for (ArchState state : {ArchState::building, ArchState::waiting_dependency, ArchState::built, ArchState::published,
                          ArchState::superseded, ArchState::failed}) {
    if (to_string(state) == text) return state;
  }
  return ArchState::building;
}

std::string arches_to_json(const std::vector<ArchStatus>& arches) {
  json::array list;
  for (const ArchStatus& arch : arches) {
    list.push_back(json::object{{"arch", arch.arch},
                                {"state", to_string(arch.state)},
                                {"buildstate", arch.buildstate},
                                {"build_log_url", arch.build_log_url},
                                {"dependencies", arch.dependencies}});
  }
  return json::serialize(list);
}

std::vector<ArchStatus> arches_from_json(std::string_view text) {
  std::vector<ArchStatus> arches;
  boost::system::error_code error;
  const json::value parsed = json::parse(text, error);
  if (error || !parsed.is_array()) return arches;
  for (const json::value& value : parsed.as_array()) {
    const json::object* entry = value.if_object();
    if (!entry) continue;
    auto field = [&](std::string_view key) {
      const json::value* found = entry->if_contains(key);
      return found && found->is_string() ? std::string(found->as_string()) : std::string();
    };
    arches.push_back({field("arch"), arch_state_from(field("state")), field("buildstate"), field("build_log_url"),
                      field("dependencies")});
  }
  return arches;
}

const SourcePublication* find_publication(const WatchedSource& watched, const std::vector<SourcePublication>& publications) {
  const SourcePublication* found = nullptr;
  for (const SourcePublication& publication : publications) {
    if (publication.source_package_name == watched.source && publication.source_package_version == watched.version &&
        (watched.series.empty() || publication.series() == watched.series)) {
      found = &publication;  // Launchpad lists newest first; the first match is the current one
      break;
    }
  }
  return found;
}

Assessment assess(const WatchedSource& watched, const SourcePublication* publication, const BuildSummary* summary,
                  const std::vector<BuildRecord>& builds, std::chrono::sys_seconds now, std::chrono::seconds reject_after) {
  Assessment result;
  const auto minutes_since_upload = std::chrono::duration_cast<std::chrono::minutes>(now - watched.uploaded_at).count();
  if (!publication) {
    if (now - watched.uploaded_at >= reject_after) {
      result.state = WatchState::rejected;
      result.detail = "probably rejected or dropped: not in the PPA " + std::to_string(minutes_since_upload) +
                      " minutes after the upload (Launchpad never shows a rejected upload, and sends no e-mail for a "
                      "bad signature); still looking, slowly";
    } else {
      result.detail = "not accepted yet (uploaded " + std::to_string(minutes_since_upload) + " minutes ago)";
    }
    return result;
  }

  for (const BuildRecord& build : builds) {
    ArchStatus arch{build.arch_tag, ArchState::building, build.buildstate, build.build_log_url, build.dependencies};
    if (failed_buildstate(build.buildstate)) {
      arch.state = ArchState::failed;
    } else if (build.buildstate == "Dependency wait") {
      arch.state = ArchState::waiting_dependency;
    } else if (build.buildstate == "Build for superseded Source") {
      arch.state = ArchState::superseded;
    } else if (build.buildstate == "Successfully built") {
      arch.state = ArchState::built;
      if (summary && summary->status == "FULLYBUILT") arch.state = ArchState::published;
    }
    result.arches.push_back(std::move(arch));
  }
  std::sort(result.arches.begin(), result.arches.end(), [](const ArchStatus& a, const ArchStatus& b) { return a.arch < b.arch; });

  const auto count = [&](ArchState state) {
    return std::count_if(result.arches.begin(), result.arches.end(), [&](const ArchStatus& a) { return a.state == state; });
  };
  const auto failed = count(ArchState::failed);
  const auto published = count(ArchState::published);
  const auto superseded = count(ArchState::superseded);
  const auto dependency = count(ArchState::waiting_dependency);
  const bool all_terminal = static_cast<std::size_t>(failed + published + superseded) == result.arches.size();
  const bool gone = publication->status == "Deleted" || publication->status == "Obsolete";

  if (failed > 0) {
    // The first failure is reported at once; the other architectures keep being watched.
    const ArchStatus& first = *std::find_if(result.arches.begin(), result.arches.end(),
                                            [](const ArchStatus& a) { return a.state == ArchState::failed; });
    result.state = WatchState::failed;
    result.detail = first.arch + ": " + first.buildstate + (first.build_log_url.empty() ? "" : " (" + first.build_log_url + ")");
    result.finished = gone;  // else a retry on Launchpad may still publish it
  } else if (!result.arches.empty() && all_terminal && superseded == 0) {
    result.state = WatchState::published;
    result.detail = "published for " + std::to_string(published) + " architecture" + (published == 1 ? "" : "s");
    result.finished = true;
  } else if (!result.arches.empty() && all_terminal) {
    result.state = WatchState::superseded;
    result.detail = "superseded by a newer upload" +
                    (published ? " (published for " + std::to_string(published) + " architecture" + (published == 1 ? "" : "s") + " first)"
                               : std::string(" before it was built"));
    result.finished = true;
  } else if (gone) {
    result.state = WatchState::failed;
    result.detail = "the source was " + publication->status + " before its binaries were published";
    result.finished = true;
  } else if (result.arches.empty() && (publication->status == "Published" || publication->status == "Pending") &&
             now - watched.uploaded_at >= kNoBuildsAfter) {
    result.state = WatchState::failed;
    result.detail = "accepted, but no builds " + std::to_string(minutes_since_upload) +
                    " minutes after the upload: its Architecture field matches no processor this PPA builds for";
  } else if (publication->status == "Superseded" && result.arches.empty()) {
    result.state = WatchState::superseded;
    result.detail = "superseded by a newer upload before it was built";
    result.finished = true;
  } else {
    result.state = WatchState::building;
    const auto built = count(ArchState::built);
    result.detail = result.arches.empty() ? "accepted (" + publication->status + "), waiting for builds"
                    : built > 0 && static_cast<std::size_t>(built + published) == result.arches.size()
                        ? "built for " + std::to_string(built + published) + " architecture" +
                              (built + published == 1 ? "" : "s") + ", waiting for Launchpad to publish the binaries"
                        : std::to_string(published) + " of " + std::to_string(result.arches.size()) + " architectures published";
    if (dependency > 0) {
      const ArchStatus& first = *std::find_if(result.arches.begin(), result.arches.end(),
                                              [](const ArchStatus& a) { return a.state == ArchState::waiting_dependency; });
      result.detail += "; " + first.arch + " is waiting for a dependency" +
                       (first.dependencies.empty() ? "" : " (" + first.dependencies + ")") +
                       " — Dependency wait: Launchpad retries it by itself";
    }
  }
  return result;
}

}  // namespace calico::launchpad
