// The status page served by the running service: the build list, a build's job graph and
// Launchpad publications, logs (followed while a job runs), and the same data as JSON.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "bot/service.hpp"
#include "bot/store/build_queue.hpp"
#include "bot/store/builds.hpp"
#include "bot/store/lp_watches.hpp"
#include "bot/store/store.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/http_client.hpp"

using namespace calico;
namespace json = boost::json;

namespace {

class StatusPageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = testkit::test_config(dir_.path());
    store::Store store(config_.store);
    handlers::BuildRequest request;
    request.kind = handlers::BuildRequest::Kind::command;
    request.target_repo = "calico-3.4";
    request.version = "v3.4.1";
    request.trigger = "/publish calico-3.4 by @maintainer <script>alert(1)</script>";
    request.requested_by = "maintainer";
    store.call([&](store::Database& db) {
      store::enqueue_build_request(db, request, std::nullopt);
      const auto build = store::claim_next_request(db, 1, (dir_.path() / "work").string());
      build_id_ = build->id;
      testkit::write_file(dir_.path() / "felix-xenial.log", "$ dpkg-buildpackage -S\n<tag> & done\n");
      store::record_job(db, build->id, {"felix/xenial", builders::pipeline::JobState::succeeded, "felix 3.4.1-xenial source package",
                                         (dir_.path() / "felix-xenial.log").string(), "2026-11-26T10:00:00Z", "2026-11-26T10:01:05Z"});
      store::record_job(db, build->id, {"pub_debs/xenial", builders::pipeline::JobState::running, "", (dir_.path() / "pub.log").string(),
                                         "2026-11-26T10:01:06Z", std::nullopt});
      store::LpWatch watch;
      watch.owner = "project-calico";
      watch.ppa = "calico-3.4";
      watch.source = "felix";
      watch.version = "3.4.1-xenial";
      watch.series = "xenial";
      watch.uploaded_at = "2026-11-26T10:01:30Z";
      watch.state = launchpad::WatchState::building;
      watch.arches = R"([{"arch":"amd64","state":"building","buildstate":"Currently building","build_log_url":""}])";
      watch.next_poll_at = "2026-11-26T10:02:30Z";
      watch.updated_at = "2026-11-26T10:01:30Z";
      watch.build_id = build->id;
      watch.id = store::add_lp_watch(db, watch);
      store::update_lp_watch(db, watch);  // a poll has seen it building
    });
    store.stop();
    service_ = std::make_unique<Service>(config_);
    service_->start();
  }

  testkit::HttpResult get(const std::string& target) {
    testkit::HttpClient client("127.0.0.1", service_->port());
    return client.request("GET", target, {});
  }

  void finish_build() {
    service_->stop();
    {
      store::Store store(config_.store);
      store.call([&](store::Database& db) {
        store::record_job(db, build_id_, {"pub_debs/xenial", builders::pipeline::JobState::succeeded, "uploaded", (dir_.path() / "pub.log").string(),
                                           "2026-11-26T10:01:06Z", "2026-11-26T10:01:20Z"});
        store::finish_build(db, build_id_, handlers::BuildState::succeeded, "all 2 jobs succeeded");
        for (store::LpWatch watch : store::lp_watches_of_build(db, build_id_)) {
          watch.state = launchpad::WatchState::published;
          watch.finished_at = "2026-11-26T10:30:00Z";
          watch.arches = R"([{"arch":"amd64","state":"published","buildstate":"Successfully built","build_log_url":""}])";
          store::update_lp_watch(db, watch);
        }
      });
    }
    service_ = std::make_unique<Service>(config_);
    service_->start();
  }

  testkit::ScratchDir dir_;
  config::Config config_;
  std::int64_t build_id_ = 0;
  std::unique_ptr<Service> service_;
};

TEST_F(StatusPageTest, TheBuildListShowsEachBuildAndRefreshesWhileOneRuns) {
  const auto page = get("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<meta name=\"viewport\""), std::string::npos);  // readable on a phone
  EXPECT_NE(page.body.find("http-equiv=\"refresh\""), std::string::npos);
  const std::string row = "<tr data-build=\"" + std::to_string(build_id_) + "\">";
  ASSERT_NE(page.body.find(row), std::string::npos) << page.body;
  const std::string rest = page.body.substr(page.body.find(row));
  for (const std::string& shown : {std::string("calico-3.4"), std::string("v3.4.1"), std::string("maintainer"),
                                   std::string("class=\"state running\""), std::string("class=\"state waiting\"")}) {
    EXPECT_NE(rest.find(shown), std::string::npos) << shown;
  }
  // Whatever came from outside is escaped.
  EXPECT_EQ(page.body.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(page.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);

  finish_build();
  const auto after = get("/");
  EXPECT_NE(after.body.find("class=\"state succeeded\""), std::string::npos);
  EXPECT_NE(after.body.find("class=\"state published\""), std::string::npos);
  EXPECT_EQ(after.body.find("http-equiv=\"refresh\""), std::string::npos) << "nothing runs: no refresh";
}

TEST_F(StatusPageTest, ABuildPageShowsTheJobGraphLogsAndLaunchpad) {
  const auto page = get("/builds/" + std::to_string(build_id_));
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<td data-job=\"felix/xenial\"><span class=\"state succeeded\">succeeded</span> <span class=\"dim\">1 min 5 s</span>"),
            std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("href=\"/builds/" + std::to_string(build_id_) + "/logs/felix/xenial\">log</a>"), std::string::npos);
  EXPECT_NE(page.body.find("<td data-job=\"pub_debs/xenial\"><span class=\"state running\">"), std::string::npos);
  EXPECT_NE(page.body.find("<table id=\"launchpad\">"), std::string::npos);
  EXPECT_NE(page.body.find("<td>felix</td><td>3.4.1-xenial</td><td>xenial</td>"), std::string::npos);
  EXPECT_NE(page.body.find("amd64 <span class=\"state building\">"), std::string::npos);

  const auto log = get("/builds/" + std::to_string(build_id_) + "/logs/felix/xenial");
  ASSERT_EQ(log.status, 200);
  EXPECT_NE(log.body.find("&lt;tag&gt; &amp; done"), std::string::npos) << log.body;
  EXPECT_NE(log.body.find("End of log."), std::string::npos);
  const auto running = get("/builds/" + std::to_string(build_id_) + "/logs/pub_debs/xenial");
  ASSERT_EQ(running.status, 200);
  EXPECT_NE(running.body.find("content=\"3; url=/builds/" + std::to_string(build_id_) + "/logs/pub_debs/xenial#end\""),
            std::string::npos)
      << "a running job's log follows";
  const auto raw = get("/builds/" + std::to_string(build_id_) + "/logs/felix/xenial/raw");
  EXPECT_EQ(raw.body, "$ dpkg-buildpackage -S\n<tag> & done\n");

  EXPECT_EQ(get("/builds/999").status, 404);
  EXPECT_EQ(get("/builds/" + std::to_string(build_id_) + "/logs/nettle/focal").status, 404);
  EXPECT_EQ(get("/builds/" + std::to_string(build_id_) + "/logs/../../../etc/passwd").status, 404);
  EXPECT_EQ(get("/builds/abc").status, 404);
  testkit::HttpClient client("127.0.0.1", service_->port());
  EXPECT_EQ(client.request("POST", "/builds/1", {}, "x").status, 405);
}

TEST_F(StatusPageTest, TheApiReturnsTheSameAsJson) {
  const auto list = get("/api/builds");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.header("Content-Type").find("application/json"), 0u);
  const json::value builds = json::parse(list.body);
  ASSERT_EQ(builds.at("builds").as_array().size(), 1u);
  const json::object& build = builds.at("builds").as_array()[0].as_object();
  EXPECT_EQ(build.at("target_repo").as_string(), "calico-3.4");
  EXPECT_EQ(build.at("state").as_string(), "running");
  EXPECT_EQ(build.at("requested_by").as_string(), "maintainer");
  EXPECT_EQ(build.at("launchpad").as_string(), "waiting");
  EXPECT_TRUE(build.at("finished_at").is_null());

  const json::value one = json::parse(get("/api/builds/" + std::to_string(build_id_)).body);
  ASSERT_EQ(one.at("jobs").as_array().size(), 2u);
  EXPECT_EQ(one.at("jobs").as_array()[0].at("job").as_string(), "felix/xenial");
  EXPECT_EQ(one.at("jobs").as_array()[0].at("log_url").as_string(), "/builds/" + std::to_string(build_id_) + "/logs/felix/xenial");
  const json::object& publication = one.at("publications").as_array()[0].as_object();
  EXPECT_EQ(publication.at("ppa").as_string(), "~project-calico/calico-3.4");
  EXPECT_EQ(publication.at("architectures").as_array()[0].at("state").as_string(), "building");
  EXPECT_EQ(get("/api/builds/77").status, 404);

  finish_build();
  const json::value after = json::parse(get("/api/builds/" + std::to_string(build_id_)).body);
  EXPECT_EQ(after.at("state").as_string(), "succeeded");
  EXPECT_EQ(after.at("launchpad").as_string(), "published");
  EXPECT_EQ(after.at("duration_seconds").as_int64() >= 0, true);
}

}  // namespace

TEST_F(StatusPageTest, APromotedReleaseShowsWhatWasCopiedAndWhyTheRestWasBuilt) {
  EXPECT_EQ(get("/builds/" + std::to_string(build_id_)).body.find("<h2>Promotion</h2>"), std::string::npos) << "nothing promoted";
  service_->stop();
  {
    store::Store store(config_.store);
    store.call([&](store::Database& db) {
      store::record_job(db, build_id_,
                        {"felix/centos7", builders::pipeline::JobState::succeeded,
                         "promoted: felix-3.4.1-1.el7.src.rpm and its RPMs in rpm/testing (pub_rpms copies them), nothing built",
                         (dir_.path() / "c.log").string(), "2026-11-26T10:00:00Z", "2026-11-26T10:00:02Z"});
      store::record_job(db, build_id_,
                        {"felix/bionic", builders::pipeline::JobState::succeeded,
                         "built from source, not promoted (testing's felix 3.4.1-bionic is Pending, not published): felix <3.4.1>",
                         (dir_.path() / "b.log").string(), "2026-11-26T10:00:00Z", "2026-11-26T10:01:00Z"});
    });
  }
  service_ = std::make_unique<Service>(config_);
  service_->start();
  const auto page = get("/builds/" + std::to_string(build_id_));
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<table id=\"promotion\">"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("<tr><td>felix/centos7</td><td><span class=\"state succeeded\">succeeded</span> copied</td><td class=\"detail\">promoted: "
                           "felix-3.4.1-1.el7.src.rpm and its RPMs in rpm/testing"),
            std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("<tr><td>felix/bionic</td><td>built from source</td><td class=\"detail\">testing&#39;s felix 3.4.1-bionic is "
                           "Pending, not published</td></tr>"),
            std::string::npos)
      << page.body;
}
