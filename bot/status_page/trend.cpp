#include "bot/status_page/trend.hpp"

#include <algorithm>

#include "bot/status_page/render.hpp"

namespace calico::status_page {

namespace {

constexpr std::size_t kBars = 12;
constexpr double kBarWidth = 14, kGap = 4, kHeight = 48, kBarTop = 4;

// A CSS class for the bar: what a reader needs from its colour.
std::string outcome(const BuildView& view) {
  switch (view.build.state) {
    case handlers::BuildState::failed: return "failed";
    case handlers::BuildState::cancelled: return "cancelled";
    case handlers::BuildState::running: return "running";
    case handlers::BuildState::succeeded: break;
  }
  if (!view.publication.settled()) return "waiting";
  return view.publication.ok() ? "published" : "failed";
}

}  // namespace

std::string trend_svg(const std::string& target, const std::vector<const BuildView*>& builds) {
  std::vector<const BuildView*> shown(builds.begin(), builds.begin() + static_cast<std::ptrdiff_t>(std::min(builds.size(), kBars)));
  std::reverse(shown.begin(), shown.end());  // oldest on the left
  long long longest = 1;
  for (const BuildView* view : shown) longest = std::max(longest, view->to_published_seconds.value_or(0));
  const double width = static_cast<double>(kBars) * (kBarWidth + kGap);
  std::string svg = "<svg class=\"trend\" data-target=\"" + escape_html(target) + "\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
                    svg_number(width) + " " + svg_number(kHeight + kBarTop) + "\" width=\"" + svg_number(width) + "\" height=\"" +
                    svg_number(kHeight + kBarTop) + "\" role=\"img\" aria-label=\"" + escape_html(target) +
                    ": time to published of its recent builds\"><style>rect{fill:#8c959f}.published rect{fill:#1a7f37}"
                    ".failed rect{fill:#cf222e}.running rect,.waiting rect{fill:#bf8700}</style>";
  double x = 0;
  for (const BuildView* view : shown) {
    const long long seconds = view->to_published_seconds.value_or(0);
    const double height = std::max(2.0, kHeight * static_cast<double>(seconds) / static_cast<double>(longest));
    const std::string state = outcome(*view);
    svg += "<g class=\"" + state + "\" data-build=\"" + std::to_string(view->build.id) + "\" data-seconds=\"" + std::to_string(seconds) +
           "\"><title>#" + std::to_string(view->build.id) + " " + escape_html(view->build.version) + ": " + state + ", " +
           format_duration(seconds) + (state == "published" ? " to published" : state == "running" || state == "waiting" ? " so far" : "") +
           "</title><rect x=\"" + svg_number(x) + "\" y=\"" + svg_number(kBarTop + kHeight - height) + "\" width=\"" + svg_number(kBarWidth) +
           "\" height=\"" + svg_number(height) + "\" rx=\"1.5\"/></g>";
    x += kBarWidth + kGap;
  }
  return svg + "</svg>";
}

}  // namespace calico::status_page
