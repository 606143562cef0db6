#include "bot/status_page/timeline.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include "bot/status_page/render.hpp"
#include "bot/util/time_format.hpp"

namespace calico::status_page {

namespace {

using Millis = std::int64_t;  // since the epoch

// The stored timestamps carry milliseconds ("…T06:18:00.123Z"); bars of short jobs need them.
std::optional<Millis> millis_of(const std::string& iso) {
  const auto seconds = util::parse_iso8601(iso);
  if (!seconds) return std::nullopt;
  Millis ms = std::chrono::duration_cast<std::chrono::milliseconds>(seconds->time_since_epoch()).count();
  if (const auto dot = iso.find('.'); dot != std::string::npos) {
    Millis fraction = 0;
    int digits = 0;
    for (std::size_t i = dot + 1; i < iso.size() && digits < 3 && iso[i] >= '0' && iso[i] <= '9'; ++i, ++digits) {
      fraction = fraction * 10 + (iso[i] - '0');
    }
    for (; digits < 3; ++digits) fraction *= 10;
    ms += fraction;
  }
  return ms;
}

struct Bar {
  std::string id;         // the job's name, or "upload <source> <version> <series>"
  bool upload = false;
  std::string series;     // an upload's
  std::string label;
  std::string state;      // a CSS class: the job's or the publication's state
  std::string start_iso, end_iso;  // as stored; end empty while open
  Millis start = 0, end = 0;       // end: now while open
  std::string detail;     // the tooltip's last part
};

std::vector<Bar> bars_of(const TimelineInput& input) {
  const Millis now = millis_of(input.now).value_or(0);
  std::vector<Bar> bars;
  for (const store::BuildJob& job : input.jobs) {
    if (!job.started_at) continue;  // not started: nothing to draw
    const auto start = millis_of(*job.started_at);
    if (!start) continue;
    Bar bar;
    bar.id = job.job;
    bar.label = job.job;
    bar.state = std::string(builders::pipeline::to_string(job.state));
    bar.start_iso = *job.started_at;
    bar.start = *start;
    const auto end = job.finished_at ? millis_of(*job.finished_at) : std::nullopt;
    bar.end_iso = end ? *job.finished_at : "";
    bar.end = std::max(bar.start, end.value_or(now));
    bar.detail = job.detail;
    bars.push_back(std::move(bar));
  }
  for (const store::LpWatch& watch : input.uploads) {
    const auto start = millis_of(watch.uploaded_at);
    if (!start) continue;
    Bar bar;
    bar.id = "upload " + watch.source + " " + watch.version + " " + watch.series;
    bar.upload = true;
    bar.series = watch.series;
    bar.label = "Launchpad " + watch.source + " " + watch.series;
    bar.state = std::string(launchpad::to_string(watch.state));
    bar.start_iso = watch.uploaded_at;
    bar.start = *start;
    const auto end = watch.finished_at ? millis_of(*watch.finished_at) : std::nullopt;
    bar.end_iso = end ? *watch.finished_at : "";
    bar.end = std::max(bar.start, end.value_or(now));
    bar.detail = watch.source + " " + watch.version + " on Launchpad" + (watch.detail.empty() ? "" : ": " + watch.detail);
    bars.push_back(std::move(bar));
  }
  std::stable_sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) {
    if (a.upload != b.upload) return !a.upload;  // jobs first, then what Launchpad did with the uploads
    return a.start != b.start ? a.start < b.start : a.id < b.id;
  });
  return bars;
}

std::vector<std::string> critical_ids(const std::vector<Bar>& bars) {
  std::vector<std::string> path;
  if (bars.empty()) return path;
  const Bar* current = &*std::max_element(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) { return a.end < b.end; });
  std::set<std::string> seen;
  while (current && seen.insert(current->id).second) {
    path.push_back(current->id);
    const Bar* before = nullptr;
    for (const Bar& bar : bars) {
      if (bar.upload || seen.count(bar.id)) continue;
      if (current->upload) {
        // An upload waits on the job that sent it.
        if (bar.id == "pub_debs/" + current->series) before = &bar;
        continue;
      }
      // What ended last before this started is what it waited for (its dependency, or the slot
      // a running job freed).
      if (bar.end <= current->start && (!before || bar.end > before->end)) before = &bar;
    }
    current = before;
  }
  return path;
}

// "0 s", "90 s" → "1 min 30 s" on the axis: whole units at a readable step.
Millis tick_step(Millis span) {
  for (Millis step : {1000LL, 2000LL, 5000LL, 10000LL, 15000LL, 30000LL, 60000LL, 120000LL, 300000LL, 600000LL, 900000LL,
                      1800000LL, 3600000LL, 7200000LL, 14400000LL}) {
    if (span / step <= 8) return step;
  }
  return 28800000LL;
}

constexpr double kWidth = 960;
constexpr double kLabels = 200;  // the label column
constexpr double kRow = 20;
constexpr double kTop = 26;      // the axis

constexpr std::string_view kTimelineStyle =
    "text{font:11px system-ui,sans-serif;fill:#1f2328}.axis text{fill:#57606a}.axis line{stroke:#d0d7de}"
    ".wait{stroke:#8c959f;stroke-dasharray:2 3}rect{fill:#8c959f}"
    ".succeeded rect,.published rect{fill:#1a7f37}.failed rect,.rejected rect,.deleted rect{fill:#cf222e}"
    ".running rect,.waiting rect,.building rect,.pending rect{fill:#bf8700}"
    ".critical rect{stroke:#0550ae;stroke-width:2.5}.critical text{font-weight:600}";

}  // namespace

std::vector<std::string> critical_path(const TimelineInput& input) { return critical_ids(bars_of(input)); }

std::string timeline_svg(const TimelineInput& input) {
  const std::vector<Bar> bars = bars_of(input);
  if (bars.empty()) return {};
  const std::vector<std::string> critical = critical_ids(bars);
  Millis t0 = bars.front().start;
  Millis t1 = bars.front().end;
  for (const Bar& bar : bars) {
    t0 = std::min(t0, bar.start);
    t1 = std::max(t1, bar.end);
  }
  if (const auto build_start = millis_of(input.build_started_at)) t0 = std::min(t0, *build_start);
  const Millis span = std::max<Millis>(t1 - t0, 1000);
  const double ms_per_px = static_cast<double>(span) / (kWidth - kLabels - 12);
  auto x = [&](Millis t) { return kLabels + static_cast<double>(t - t0) / ms_per_px; };
  const double height = kTop + kRow * static_cast<double>(bars.size()) + 24;

  std::string svg = "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + svg_number(kWidth) + " " + svg_number(height) +
                    "\" width=\"100%\" role=\"img\" aria-label=\"Timeline: each job from start to end, then each upload until "
                    "Launchpad published it; the critical path outlined\" data-t0=\"" + std::to_string(t0) +
                    "\" data-ms-per-px=\"" + std::to_string(ms_per_px) + "\" data-x0=\"" + svg_number(kLabels) + "\"><style>" +
                    std::string(kTimelineStyle) + "</style><g class=\"axis\">";
  const Millis step = tick_step(span);
  for (Millis at = 0; at <= span; at += step) {
    const double tick = x(t0 + at);
    svg += "<line x1=\"" + svg_number(tick) + "\" y1=\"" + svg_number(kTop - 6) + "\" x2=\"" + svg_number(tick) + "\" y2=\"" +
           svg_number(height - 24) + "\"/><text x=\"" + svg_number(tick + 2) + "\" y=\"" + svg_number(kTop - 10) + "\">" +
           escape_html(format_duration(at / 1000)) + "</text>";
  }
  svg += "</g>";
  double y = kTop;
  for (const Bar& bar : bars) {
    const bool on_path = std::find(critical.begin(), critical.end(), bar.id) != critical.end();
    const double left = x(bar.start);
    const double width = std::max(2.0, x(bar.end) - left);  // a 0.1 s job still shows
    const Millis waited = bar.upload ? 0 : bar.start - t0;
    svg += "<g class=\"bar " + std::string(bar.upload ? "upload " : "job ") + escape_html(bar.state) + (on_path ? " critical" : "") +
           "\" data-" + (bar.upload ? "upload" : "job") + "=\"" + escape_html(bar.upload ? bar.id.substr(7) : bar.id) +
           "\" data-start=\"" + escape_html(bar.start_iso) + "\" data-end=\"" + escape_html(bar.end_iso) + "\"><title>" +
           escape_html(bar.label + ": " + bar.state + ", " + format_duration((bar.end - bar.start + 500) / 1000) +
                       (waited >= 1000 ? " after waiting " + format_duration(waited / 1000) : "") +
                       (bar.detail.empty() ? "" : " — " + bar.detail)) +
           "</title>";
    if (waited >= 1000) {
      svg += "<line class=\"wait\" x1=\"" + svg_number(x(t0)) + "\" y1=\"" + svg_number(y + kRow / 2) + "\" x2=\"" + svg_number(left) + "\" y2=\"" +
             svg_number(y + kRow / 2) + "\"/>";
    }
    svg += "<rect x=\"" + svg_number(left) + "\" y=\"" + svg_number(y + 3) + "\" width=\"" + svg_number(width) + "\" height=\"" + svg_number(kRow - 6) +
           "\" rx=\"2\"/><text x=\"4\" y=\"" + svg_number(y + kRow - 6) + "\">" + escape_html(bar.label) + "</text></g>";
    y += kRow;
  }
  svg += "<text x=\"4\" y=\"" + svg_number(height - 6) + "\" class=\"legend\">Outlined: the critical path (" +
         std::to_string(critical.size()) + " bars). Dashed: waiting since the build started.</text></svg>";
  return svg;
}

}  // namespace calico::status_page
