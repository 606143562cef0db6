// launchpad-poll-bench: Launchpad requests (and time) per poll of one PPA with 1, 10 and 100
// watched uploads, counted by the test fake (which pages at Launchpad's default of 75 unless asked
// for more), for two shapes in the same run:
//  - before: the PPA's source publications and binary publications since a day before the oldest
//    watch (default pages of 75), then getBuilds for every watched source Launchpad shows — what
//    the watcher did before the build summaries;
//  - now: the watcher itself (bot/launchpad/watcher): getPublishedSources since the oldest
//    unfinished watch (pages of 300), one getBuildSummariesForSourceIds, getBuilds only for
//    sources whose summary changed.
// The PPA also holds a history of older uploads (a nightly PPA's recent weeks), created before the
// watches; --history sets how many.
//
//   launchpad-poll-bench [--history N]
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/url/url.hpp>

#include "bot/launchpad/client.hpp"
#include "bot/launchpad/watcher.hpp"
#include "bot/log/log.hpp"
#include "bot/util/time_format.hpp"
#include "tests/support/fake_launchpad.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using namespace std::chrono;

namespace {

constexpr const char* kOwner = "project-calico";
constexpr const char* kPpa = "master";

// Every page of a collection, as the client before the summaries read it; returns the entries.
boost::json::array collection(http::Client& http, std::string url) {
  boost::json::array all;
  while (!url.empty()) {
    const auto response = http.get(url, {{"Accept", "application/json"}});
    if (response.status != 200) throw std::runtime_error("HTTP " + std::to_string(response.status) + " for " + url);
    const auto body = boost::json::parse(response.body).as_object();
    for (const auto& entry : body.at("entries").as_array()) all.push_back(entry);
    const auto* next = body.if_contains("next_collection_link");
    url = next && next->is_string() ? std::string(next->as_string()) : "";
  }
  return all;
}

// One poll in the shape before: sources and binaries since a day before the oldest watch, then
// getBuilds for each watched source shown.
void poll_before(http::Client& http, const std::string& api_root, const std::string& since, int watched) {
  const std::string archive = api_root + "/~" + kOwner + "/+archive/ubuntu/" + kPpa;
  const std::string query = "created_since_date=" + launchpad::text_parameter(since);
  const auto sources = collection(http, archive + "?ws.op=getPublishedSources&" + query);
  collection(http, archive + "?ws.op=getPublishedBinaries&" + query);
  for (const auto& source : sources) {
    const std::string version(source.at("source_package_version").as_string());
    if (version.rfind("watched-", 0) != 0 || std::stoi(version.substr(8)) >= watched) continue;
    collection(http, std::string(source.at("self_link").as_string()) + "?ws.op=getBuilds");
  }
}

struct Figures {
  int requests = 0;
  double milliseconds = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int history = 600;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--history") history = std::stoi(argv[i + 1]);
    else {
      std::cerr << "usage: launchpad-poll-bench [--history N]\n";
      return 2;
    }
  }
  log::configure(log::Level::warn, config::LogFormat::logfmt);
  std::printf("| watched uploads | history | before: requests/poll | now: first poll | now: steady poll | now: 10%% changed | before ms | now steady ms |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const int watched : {1, 10, 100}) {
    testkit::FakeLaunchpad fake;
    const auto now = time_point_cast<seconds>(system_clock::now());
    // History: older uploads of the PPA, all built and published, created within the day before.
    for (int i = 0; i < history; ++i) {
      fake.add_source({kOwner, kPpa, "felix", "old-" + std::to_string(i), i % 2 ? "bionic" : "focal", "Published",
                       {{"amd64", "Successfully built"}, {"arm64", "Successfully built"}},
                       {{"amd64", "Published"}, {"arm64", "Published"}}, util::iso8601(now - hours(20) + seconds(i))});
    }
    for (int i = 0; i < watched; ++i) {
      fake.add_source({kOwner, kPpa, "networking-calico", "watched-" + std::to_string(i), "xenial", "Pending",
                       {{"amd64", "Currently building"}, {"arm64", "Needs building"}}, {}, util::iso8601(now)});
    }
    http::ClientSettings settings;
    settings.min_interval = milliseconds(0);
    http::Client http(settings);
    launchpad::Client client(fake.api_root(), http);
    launchpad::MemoryWatchBook book;
    sys_seconds clock = now;
    launchpad::Watcher watcher(book, client, {seconds(60), seconds(600), hours(2)}, [&] { return clock; });
    for (int i = 0; i < watched; ++i) {
      watcher.watch(kOwner, kPpa, "networking-calico", "watched-" + std::to_string(i), "xenial", true);
    }

    auto measure = [&](auto poll) {
      const int before = fake.requests();
      const auto started = steady_clock::now();
      poll();
      return Figures{fake.requests() - before, duration<double, std::milli>(steady_clock::now() - started).count()};
    };
    const Figures old_shape = measure([&] { poll_before(http, fake.api_root(), util::iso8601(now - hours(24)), watched); });
    const Figures first = measure([&] { watcher.poll_due(); });
    clock += seconds(600);
    const Figures steady = measure([&] { watcher.poll_due(); });
    for (int i = 0; i < std::max(1, watched / 10); ++i) {
      fake.set_build("networking-calico", "watched-" + std::to_string(i), {"amd64", "Successfully built"});
    }
    clock += seconds(600);
    const Figures changed = measure([&] { watcher.poll_due(); });
    std::printf("| %d | %d | %d | %d | %d | %d | %.1f | %.1f |\n", watched, history, old_shape.requests, first.requests,
                steady.requests, changed.requests, old_shape.milliseconds, steady.milliseconds);
  }
  return 0;
}
