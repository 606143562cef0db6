#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "bot/status_page/timeline.hpp"

namespace calico::status_page {
namespace {

using builders::pipeline::JobState;

store::BuildJob job(const std::string& name, JobState state, const std::string& start, std::optional<std::string> end) {
  store::BuildJob out;
  out.job = name;
  out.state = state;
  if (!start.empty()) out.started_at = "2026-12-04T10:" + start + "Z";
  if (end) out.finished_at = "2026-12-04T10:" + *end + "Z";
  return out;
}

store::LpWatch upload(const std::string& source, const std::string& series, const std::string& at, std::optional<std::string> done) {
  store::LpWatch out;
  out.source = source;
  out.version = "3.4.1-" + series;
  out.series = series;
  out.uploaded_at = "2026-12-04T10:" + at + "Z";
  out.state = done ? launchpad::WatchState::published : launchpad::WatchState::waiting;
  if (done) out.finished_at = "2026-12-04T10:" + *done + "Z";
  return out;
}

// Two build slots: felix and net_cal at once, dnsmasq when net_cal's slot frees, pub_debs after
// felix (the later of its two inputs), then Launchpad.
TimelineInput release() {
  return {"2026-12-04T10:00:00.000Z",
          {job("felix/xenial", JobState::succeeded, "00:00.500", "02:00.000"),
           job("net_cal/xenial", JobState::succeeded, "00:00.600", "00:30.000"),
           job("dnsmasq/xenial", JobState::succeeded, "00:30.100", "01:00.000"),
           job("pub_debs/xenial", JobState::succeeded, "02:00.200", "02:10.000"),
           job("pub_rpms/centos7", JobState::pending, "", std::nullopt)},
          {upload("felix", "xenial", "02:09.000", "12:09.000"), upload("networking-calico", "xenial", "02:09.500", "05:00.000")},
          "2026-12-04T10:20:00.000Z"};
}

TEST(Timeline, TheCriticalPathRunsBackFromTheLastPublicationThroughWhatEachBarWaitedFor) {
  EXPECT_EQ(critical_path(release()),
            (std::vector<std::string>{"upload felix 3.4.1-xenial xenial", "pub_debs/xenial", "felix/xenial"}));
  // While felix is still on Launchpad the path is the same; once a job runs last, it ends there.
  TimelineInput running = release();
  running.uploads.clear();
  running.jobs.push_back(job("felix/centos7", JobState::running, "02:10.100", std::nullopt));
  EXPECT_EQ(critical_path(running), (std::vector<std::string>{"felix/centos7", "pub_debs/xenial", "felix/xenial"}));
}

TEST(Timeline, EachBarIsDrawnAtItsStoredTimesOnTheDrawingsScale) {
  const TimelineInput input = release();
  const std::string svg = timeline_svg(input);
  const std::smatch scale = [&] {
    std::smatch m;
    EXPECT_TRUE(std::regex_search(svg, m, std::regex(R"re(data-t0="(\d+)" data-ms-per-px="([0-9.]+)" data-x0="([0-9.]+)")re")));
    return m;
  }();
  const double t0 = std::stod(scale[1]), ms_per_px = std::stod(scale[2]), x0 = std::stod(scale[3]);
  EXPECT_EQ(t0, 1796378400000.0) << "the build's start";
  const std::regex bar(R"re(<g class="bar (job|upload) ([a-z]+)( critical)?" data-(?:job|upload)="([^"]+)" data-start="([^"]*)" data-end="([^"]*)">.*?<rect x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)")re");
  std::map<std::string, std::pair<double, double>> drawn;
  std::set<std::string> critical;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), bar); it != std::sregex_iterator(); ++it) {
    drawn[(*it)[4]] = {std::stod((*it)[7]), std::stod((*it)[8])};
    if ((*it)[3].matched) critical.insert((*it)[4]);
  }
  ASSERT_EQ(drawn.size(), 6u) << svg;  // the pending job is not drawn
  EXPECT_FALSE(drawn.count("pub_rpms/centos7"));
  // felix/xenial: 0.5 s to 120 s after the start.
  EXPECT_NEAR(drawn["felix/xenial"].first, x0 + 500 / ms_per_px, 0.06);
  EXPECT_NEAR(drawn["felix/xenial"].second, 119500 / ms_per_px, 0.11);
  // The networking-calico upload: 129.5 s to 300 s.
  EXPECT_NEAR(drawn["networking-calico 3.4.1-xenial xenial"].first, x0 + 129500 / ms_per_px, 0.06);
  EXPECT_NEAR(drawn["networking-calico 3.4.1-xenial xenial"].second, 170500 / ms_per_px, 0.11);
  EXPECT_EQ(critical, (std::set<std::string>{"felix/xenial", "pub_debs/xenial", "felix 3.4.1-xenial xenial"}));
  EXPECT_NE(svg.find("data-start=\"2026-12-04T10:00:30.100Z\" data-end=\"2026-12-04T10:01:00.000Z\""), std::string::npos);
  EXPECT_NE(svg.find("<title>dnsmasq/xenial: succeeded, 30 s after waiting 30 s</title>"), std::string::npos) << svg;
}

TEST(Timeline, ARunningJobEndsAtNowAndNamesAreEscaped) {
  TimelineInput input{"2026-12-04T10:00:00.000Z", {job("a<b>/xenial", JobState::running, "00:00.000", std::nullopt)}, {},
                      "2026-12-04T10:01:00.000Z"};
  const std::string svg = timeline_svg(input);
  EXPECT_NE(svg.find("data-job=\"a&lt;b&gt;/xenial\" data-start=\"2026-12-04T10:00:00.000Z\" data-end=\"\""), std::string::npos) << svg;
  EXPECT_EQ(svg.find("a<b>"), std::string::npos);
  EXPECT_NE(svg.find("running, 1 min 0 s"), std::string::npos) << svg;
  EXPECT_EQ(timeline_svg({"2026-12-04T10:00:00.000Z", {}, {}, "2026-12-04T10:01:00.000Z"}), "") << "nothing started, nothing drawn";
}

}  // namespace
}  // namespace calico::status_page
