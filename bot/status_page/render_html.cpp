#include <cstdio>
#include <map>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "bot/status_page/render.hpp"
#include "bot/status_page/timeline.hpp"
#include "bot/status_page/trend.hpp"
#include "bot/util/time_format.hpp"
#include "builders/publish/promotion.hpp"
#include "builders/steps.hpp"

namespace calico::status_page {

namespace {

constexpr std::string_view kStyle = R"css(
:root { --ok:#1a7f37; --bad:#cf222e; --run:#9a6700; --dim:#57606a; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
header { background: #24292f; color: #fff; padding: .6rem 1rem; }
header a { color: #fff; text-decoration: none; font-weight: 600; }
main { padding: 1rem; max-width: 1100px; margin: auto; }
h1 { font-size: 1.3rem; margin: .2rem 0 1rem; } h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
.scroll { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); white-space: nowrap; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; font-size: .85rem; color: var(--dim); }
tr:last-child td { border-bottom: 0; }
.state { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .8rem; font-weight: 600; color: #fff; background: var(--dim); }
.state.succeeded, .state.published, .state.built { background: var(--ok); }
.state.failed, .state.rejected, .state.deleted { background: var(--bad); }
.state.running, .state.building, .state.waiting, .state.pending { background: var(--run); }
.state.skipped, .state.cancelled { background: #8c959f; }
.dim { color: var(--dim); font-size: .85rem; }
.detail { white-space: normal; max-width: 40rem; font-size: .85rem; color: var(--dim); }
pre { background: #0d1117; color: #e6edf3; padding: 1rem; border-radius: 6px; overflow-x: auto; font-size: .8rem; line-height: 1.35; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; }
dt { color: var(--dim); } dd { margin: 0; overflow-wrap: anywhere; }
.trends { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; margin-bottom: 1rem; } figure { margin: 0; }
figcaption { font-size: .85rem; font-weight: 600; }
.timeline { padding: .3rem; } .timeline svg { display: block; min-width: 640px; }
@media (max-width: 600px) { main { padding: .5rem; } th, td { padding: .35rem .4rem; } }
)css";

// `refresh`: reload every 3 s (while something runs); `follow`: where the reload lands.
std::string page(const std::string& title, const std::string& body, bool refresh, const std::string& follow = "") {
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
         std::string(refresh ? "<meta http-equiv=\"refresh\" content=\"3" + (follow.empty() ? "" : "; url=" + escape_html(follow)) + "\">" : "") + "<title>" + escape_html(title) +
         " · calico-release-bot</title><style>" + std::string(kStyle) +
         "</style></head><body><header><a href=\"/\">calico-release-bot</a></header><main>" + body +
         "</main></body></html>\n";
}

std::string badge(std::string_view state_name) {
  const std::string state(state_name);
  return "<span class=\"state " + escape_html(state) + "\">" + escape_html(state.empty() ? "—" : state) + "</span>";
}

std::string build_link(std::int64_t id) { return "/builds/" + std::to_string(id); }

std::string job_duration(const store::BuildJob& step) {
  if (!step.started_at || !step.finished_at) return "";
  const auto started = util::parse_iso8601(*step.started_at);
  const auto finished = util::parse_iso8601(*step.finished_at);
  if (!started || !finished) return "";
  return format_duration((*finished - *started).count());
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

std::string format_duration(long long seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 60) return std::to_string(seconds) + " s";
  if (seconds < 3600) return std::to_string(seconds / 60) + " min " + std::to_string(seconds % 60) + " s";
  const long long minutes = (seconds % 3600) / 60;
  return std::to_string(seconds / 3600) + " h " + (minutes < 10 ? "0" : "") + std::to_string(minutes) + " min";
}

namespace {

// The serve processes on the store (several share a PostgreSQL one) and the builds each runs. A
// replica that crashed keeps its last heartbeat until its row is seen again.
std::string replicas_html(const std::vector<store::Replica>& replicas) {
  if (replicas.empty()) return {};
  std::string body = "<h2>Replicas</h2><div class=\"scroll\"><table id=\"replicas\"><tr><th>replica</th><th>host</th><th>version</th>"
                     "<th>started</th><th>last heartbeat</th><th>state</th><th>running builds</th></tr>";
  for (const store::Replica& replica : replicas) {
    std::string held;
    for (std::int64_t id : replica.builds) {
      held += (held.empty() ? "" : " ") + std::string("<a href=\"") + build_link(id) + "\">" + std::to_string(id) + "</a>";
    }
    body += "<tr><td>" + escape_html(replica.id) + "</td><td>" + escape_html(replica.host) + " (pid " + std::to_string(replica.pid) +
            ")</td><td>" + escape_html(replica.version) + "</td><td class=\"dim\">" + escape_html(replica.started_at) +
            "</td><td class=\"dim\">" + escape_html(replica.heartbeat_at) + "</td><td>" +
            (replica.stopped_at ? "stopped " + escape_html(*replica.stopped_at) : std::string("serving")) + "</td><td>" + held +
            "</td></tr>";
  }
  return body + "</table></div>";
}

// What missed-delivery recovery found: said only once it has run.
std::string recovery_html(const store::RecoverySummary& recovery) {
  if (recovery.sources.empty()) return {};
  std::string body = "<h2>Missed deliveries</h2><p id=\"recovery\">" + std::to_string(recovery.redeliveries) +
                     " asked of GitHub again (" + std::to_string(recovery.redelivered) + " received), " +
                     std::to_string(recovery.comments) + " comments found by re-reading" +
                     (recovery.last_recovered_at ? "; last at " + escape_html(*recovery.last_recovered_at) : std::string()) +
                     ".</p><div class=\"scroll\"><table><tr><th>source</th><th>method</th><th>last pass</th><th>error</th></tr>";
  for (const store::RecoverySource& source : recovery.sources) {
    body += "<tr><td>" + escape_html(source.source) + "</td><td>" + std::string(store::to_string(source.method)) +
            "</td><td class=\"dim\">" + escape_html(source.last_pass_at) + "</td><td class=\"detail\">" +
            escape_html(source.last_error.value_or("")) + "</td></tr>";
  }
  return body + "</table></div>";
}

}  // namespace

std::string index_html(const Overview& overview) {
  bool refresh = !overview.queued.empty();
  std::string body = "<h1>Builds</h1>";
  if (!overview.queued.empty()) {
    body += "<h2>Queued</h2><div class=\"scroll\"><table><tr><th>target</th><th>version</th><th>trigger</th><th>asked by</th><th>since</th></tr>";
    for (const auto& queued : overview.queued) {
      body += "<tr><td>" + escape_html(queued.request.target_repo) + "</td><td>" + escape_html(queued.request.version) +
              "</td><td class=\"detail\">" + escape_html(queued.request.trigger) + "</td><td>" +
              escape_html(queued.request.requested_by) + "</td><td class=\"dim\">" + escape_html(queued.created_at) + "</td></tr>";
    }
    body += "</table></div><h2>Recent</h2>";
  }
  if (overview.builds.empty()) {
    body += "<p class=\"dim\">No builds yet.</p>";
  } else {
    // Each target's recent builds at a glance: how long each took to be published.
    std::map<std::string, std::vector<const BuildView*>> by_target;
    for (const BuildView& view : overview.builds) by_target[view.build.target_repo].push_back(&view);
    body += "<div class=\"trends\">";
    for (const auto& [target, views] : by_target) {
      body += "<figure><figcaption>" + escape_html(target) + " <span class=\"dim\">time to published</span></figcaption>" +
              trend_svg(target, views) + "</figure>";
    }
    body += "</div>";
    body += "<div class=\"scroll\"><table id=\"builds\"><tr><th>#</th><th>target</th><th>version</th><th>trigger</th>"
            "<th>asked by</th><th>state</th><th>Launchpad</th><th>started</th><th>duration</th></tr>";
    for (const BuildView& view : overview.builds) {
      refresh = refresh || still_changing(view);
      const store::Build& build = view.build;
      body += "<tr data-build=\"" + std::to_string(build.id) + "\"><td><a href=\"" + build_link(build.id) + "\">" +
              std::to_string(build.id) + "</a></td><td>" + escape_html(build.target_repo) + "</td><td>" +
              escape_html(build.version) + "</td><td class=\"detail\">" + escape_html(view.origin.trigger) + "</td><td>" +
              escape_html(view.origin.requested_by) + "</td><td>" + badge(handlers::to_string(build.state)) + "</td><td>" +
              (view.publication.total == 0 ? "" : badge(launchpad::to_string(view.publication.state))) + "</td><td class=\"dim\">" +
              escape_html(build.started_at) + "</td><td>" +
              (view.duration_seconds ? format_duration(*view.duration_seconds) : "") + "</td></tr>";
    }
    body += "</table></div>";
  }
  body += recovery_html(overview.recovery);
  body += replicas_html(overview.replicas);
  return page("Builds", body, refresh);
}

std::string build_html(const BuildPage& page_data) {
  const BuildView& view = page_data.view;
  const store::Build& build = view.build;
  std::string body = "<h1>Build #" + std::to_string(build.id) + ": " + escape_html(build.version) + " → " +
                     escape_html(build.target_repo) + " " + badge(handlers::to_string(build.state)) + "</h1>";
  body += "<dl><dt>trigger</dt><dd>" + escape_html(view.origin.trigger) + "</dd><dt>asked by</dt><dd>" +
          escape_html(view.origin.requested_by.empty() ? "—" : view.origin.requested_by) + "</dd><dt>kind</dt><dd>" +
          escape_html(build.kind) + "</dd><dt>started</dt><dd>" + escape_html(build.started_at) + "</dd><dt>finished</dt><dd>" +
          escape_html(build.finished_at.value_or("—")) + "</dd><dt>duration</dt><dd>" +
          (view.duration_seconds ? format_duration(*view.duration_seconds) : "—") + "</dd><dt>detail</dt><dd>" +
          escape_html(build.detail.empty() ? "—" : build.detail) + "</dd><dt>Launchpad</dt><dd>" +
          (view.publication.total == 0 ? "—" : badge(launchpad::to_string(view.publication.state)) + " " + escape_html(view.publication.progress())) + "</dd></dl>";

  // Where the time went: the jobs and the publications as bars (drawn here, no script).
  const std::string timeline = timeline_svg({build.started_at, page_data.steps, page_data.watches, page_data.now});
  if (!timeline.empty()) body += "<h2>Timeline</h2><div class=\"scroll timeline\">" + timeline + "</div>";

  // The job graph: one row per step (procedure order), one column per platform.
  std::map<std::string, const store::BuildJob*> by_job;
  for (const store::BuildJob& step : page_data.steps) by_job[step.job] = &step;
  const std::vector<std::string> platforms = store::platforms_of(page_data.steps);
  body += "<h2>Jobs</h2>";
  if (page_data.steps.empty()) {
    body += "<p class=\"dim\">No job has started yet.</p>";
  } else {
    body += "<div class=\"scroll\"><table id=\"jobs\"><tr><th>step</th>";
    for (const std::string& platform : platforms) body += "<th>" + escape_html(platform) + "</th>";
    body += "</tr>";
    for (const std::string& name : store::steps_of(page_data.steps)) {
      bool any = false;
      std::string row = "<tr><td>" + escape_html(name) + "</td>";
      for (const std::string& platform : platforms) {
        const auto found = by_job.find(name + "/" + platform);
        if (found == by_job.end()) {
          row += "<td class=\"dim\">—</td>";
          continue;
        }
        any = true;
        const store::BuildJob& job = *found->second;
        row += "<td data-job=\"" + escape_html(job.job) + "\">" + badge(builders::pipeline::to_string(job.state)) + " <span class=\"dim\">" +
               job_duration(job) + "</span><br><a href=\"" + build_link(build.id) + "/logs/" + escape_html(job.job) +
               "\">log</a></td>";
      }
      if (any) body += row + "</tr>";
    }
    body += "</table></div>";
    // A promoted release: which jobs were copied from the promotion source, and why the others
    // were built.
    std::string promotion;
    for (const store::BuildJob& step : page_data.steps) {
      const auto outcome = builders::publish::promotion_outcome(step.detail);
      if (!outcome) continue;
      promotion += "<tr><td>" + escape_html(step.job) + "</td><td>" + (outcome->copied ? badge("succeeded") + " copied" : "built from source") +
                   "</td><td class=\"detail\">" + escape_html(outcome->copied ? step.detail : outcome->why_not) + "</td></tr>";
    }
    if (!promotion.empty()) {
      body += "<h2>Promotion</h2><div class=\"scroll\"><table id=\"promotion\"><tr><th>job</th><th>how</th><th>why</th></tr>" +
              promotion + "</table></div>";
    }
    bool details = false;
    for (const store::BuildJob& step : page_data.steps) details = details || (step.state == builders::pipeline::JobState::failed && !step.detail.empty());
    if (details) {
      body += "<h2>Failures</h2><div class=\"scroll\"><table>";
      for (const store::BuildJob& step : page_data.steps) {
        if (step.state == builders::pipeline::JobState::failed) body += "<tr><td>" + escape_html(step.job) + "</td><td class=\"detail\">" + escape_html(step.detail) + "</td></tr>";
      }
      body += "</table></div>";
    }
  }

  body += "<h2>Launchpad</h2>";
  if (page_data.watches.empty()) {
    body += "<p class=\"dim\">Nothing uploaded to watch.</p>";
  } else {
    body += "<div class=\"scroll\"><table id=\"launchpad\"><tr><th>source</th><th>version</th><th>series</th><th>state</th><th>architectures</th></tr>";
    for (const store::LpWatch& watch : page_data.watches) {
      std::string arches;
      boost::system::error_code error;
      const boost::json::value parsed = boost::json::parse(watch.arches, error);
      if (!error && parsed.is_array()) {
        for (const boost::json::value& arch : parsed.as_array()) {
          const boost::json::object* object = arch.if_object();
          if (!object) continue;
          auto text = [&](const char* key) {
            const boost::json::value* value = object->if_contains(key);
            return value && value->is_string() ? std::string(value->as_string()) : std::string();
          };
          arches += escape_html(text("arch")) + " " + badge(text("state")) + " ";
        }
      }
      body += "<tr><td>" + escape_html(watch.source) + "</td><td>" + escape_html(watch.version) + "</td><td>" +
              escape_html(watch.series) + "</td><td>" + badge(launchpad::to_string(watch.state)) + "</td><td>" + arches + "</td></tr>";
    }
    body += "</table></div>";
  }
  return page("Build #" + std::to_string(build.id), body, still_changing(view));
}

std::string log_html(const BuildPage& page_data, const store::BuildJob& step, const std::string& text, bool truncated) {
  const bool running = step.state == builders::pipeline::JobState::running;
  std::string body = "<h1><a href=\"" + build_link(page_data.view.build.id) + "\">Build #" +
                     std::to_string(page_data.view.build.id) + "</a> · " + escape_html(step.job) + " " + badge(builders::pipeline::to_string(step.state)) + "</h1>";
  if (truncated) body += "<p class=\"dim\">Showing the end of the log. <a href=\"" + build_link(page_data.view.build.id) + "/logs/" + escape_html(step.job) + "/raw\">Whole log</a></p>";
  body += "<pre id=\"log\">" + escape_html(text) + "</pre><p id=\"end\" class=\"dim\">" +
          (running ? "The job is running; this page follows it." : "End of log.") + "</p>";
  return page(step.job + " log", body, running, build_link(page_data.view.build.id) + "/logs/" + step.job + "#end");
}

std::string not_found_html(const std::string& what) {
  return page("Not found", "<h1>Not found</h1><p>" + escape_html(what) + "</p><p><a href=\"/\">All builds</a></p>", false);
}

}  // namespace calico::status_page
