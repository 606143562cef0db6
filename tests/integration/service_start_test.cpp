// How a serve starts (#21 items 4 and 5): one that cannot listen changes nothing in the store,
// and a second one on the same SQLite store refuses to start, naming the first.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "bot/service.hpp"
#include "bot/store/sqlite/connection.hpp"
#include "bot/store/builds.hpp"
#include "bot/store/build_queue.hpp"
#include "bot/store/instance_lock.hpp"
#include "bot/store/store.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;

TEST(ServiceStart, ASecondServeOnTheSameStoreRefusesNamingTheFirst) {
  testkit::ScratchDir dir;
  const config::Config config = testkit::test_config(dir.path());
  auto first = std::make_unique<Service>(config);
  first->start();
  try {
    Service second(config);
    FAIL() << "a second service opened the store";
  } catch (const store::InstanceLockError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("another calico-release-bot already serves the store " + config.store.path.string()), std::string::npos)
        << message;
    EXPECT_NE(message.find("pid " + std::to_string(::getpid())), std::string::npos) << message;
  }
  // Once the first has stopped, the store is free again.
  first->stop();
  first.reset();
  Service third(config);
  third.start();
  third.stop();
}

TEST(ServiceStart, AStartThatCannotListenResumesAndChangesNothing) {
  testkit::ScratchDir dir;
  config::Config config = testkit::test_config(dir.path());
  config.dispatch.enabled = true;
  // A build an earlier process left running.
  std::int64_t build_id = 0;
  {
    store::Store store(config.store);
    store.call([&](store::Database& db) {
      handlers::BuildRequest request;
      request.kind = handlers::BuildRequest::Kind::release;
      request.target_repo = "calico-3.4";
      request.version = "v3.4.1";
      request.trigger = "test";
      store::enqueue_build_request(db, request, std::nullopt);
      build_id = store::claim_next_request(db, 1, (dir.path() / "work").string(), "2026-12-03T00:00:00Z")->id;
    });
    store.stop();
  }
  // The port is taken (another process, or the bot already running).
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor taken(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  config.server.port = taken.local_endpoint().port();
  {
    Service service(config);
    EXPECT_THROW(service.start(), std::system_error);
  }
  store::sqlite::Connection db(config.store.path);
  store::Statement state = db.prepare("SELECT state FROM builds WHERE id = ?");
  state.bind(1, build_id);
  ASSERT_TRUE(state.step());
  EXPECT_EQ(state.column_text(0), "running") << "left for the next start to resume, not cancelled";
  store::Statement outbox = db.prepare("SELECT count(*) FROM outbox");
  outbox.step();
  EXPECT_EQ(outbox.column_int(0), 0) << "nothing was told to GitHub";
  store::Statement jobs = db.prepare("SELECT count(*) FROM build_jobs");
  jobs.step();
  EXPECT_EQ(jobs.column_int(0), 0) << "no job ran";
}
