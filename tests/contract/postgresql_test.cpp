// What only the PostgreSQL engine does: a server that goes away and comes back, and the real
// binary checking and serving on a PostgreSQL store, its password kept out of everything it prints.
#include <gtest/gtest.h>

#include <regex>

#include "bot/store/deliveries.hpp"
#include "bot/store/migrations.hpp"
#include "bot/store/postgresql/connection.hpp"
#include "bot/store/store.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/process.hpp"

using namespace calico;

namespace {

// A configuration for the real binary on a new database of the shared server; the password in a
// file, as secrets are given.
std::filesystem::path write_config(const std::filesystem::path& dir, const std::string& url) {
  testkit::write_file(dir / "webhook-secret", testkit::kTestSecret);
  testkit::write_file(dir / "store-password", testkit::PostgresServer::kPassword);
  std::filesystem::permissions(dir / "webhook-secret", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::permissions(dir / "store-password", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  testkit::write_file(dir / "bot.toml", "[server]\nport = 0\n[store]\nbackend = \"postgresql\"\nurl = \"" + url +
                                            "\"\n[secrets]\nwebhook_secret = { file = \"webhook-secret\" }\n"
                                            "store_password = { file = \"store-password\" }\n"
                                            "[dispatch]\nenabled = false\n" + testkit::kDefaultPlatformsBuiltOnHost);
  return dir / "bot.toml";
}

testkit::RunResult bot(const std::vector<std::string>& args, const std::filesystem::path& scratch) {
  std::vector<std::string> argv{CALICO_BOT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return testkit::run_process(argv, scratch);
}

}  // namespace

TEST(PostgresqlStore, ALostServerFailsWritesThenTheStoreComesBackByItself) {
  testkit::PostgresServer& server = testkit::shared_postgres_server();
  store::Store store(server.store_config());
  store.call([](store::Database& db) { store::record_delivery(db, testkit::push_delivery("before")); });
  EXPECT_TRUE(store.write_health().ok);
  server.stop();
  // Nothing is stored while the server is away, and the store says why.
  EXPECT_THROW(store.call([](store::Database& db) { store::record_delivery(db, testkit::push_delivery("during")); }), store::DatabaseError);
  EXPECT_FALSE(store.write_health().ok);
  EXPECT_THROW(store.call([](store::Database& db) { store::record_delivery(db, testkit::push_delivery("during")); }), store::DatabaseError);
  server.start();
  // Its own probe reconnects, with nothing else asked of it.
  EXPECT_TRUE(testkit::eventually([&] { return store.write_health().ok; }, std::chrono::seconds(20)));
  EXPECT_EQ(store.call([](store::Database& db) { return store::record_delivery(db, testkit::push_delivery("after")); }),
            store::RecordOutcome::recorded);
  EXPECT_FALSE(store.call([](store::Database& db) { return store::find_delivery(db, "during"); }));
  EXPECT_EQ(store.call([](store::Database& db) { return store::count_deliveries(db); }), 2);
}

TEST(PostgresqlStore, ParametersAreNumberedOutsideQuotesOnly) {
  EXPECT_EQ(store::postgresql::number_parameters("SELECT ?1, '?2', \"?3\" WHERE a = ?12"), "SELECT $1, '?2', \"?3\" WHERE a = $12");
  EXPECT_EQ(store::postgresql::redacted("postgresql://calico@db.example:5433/bot?sslmode=verify-full"),
            "postgresql://calico@db.example:5433/bot");
  EXPECT_EQ(store::postgresql::redacted("host=db.example user=calico dbname=bot sslmode=require"),
            "postgresql://calico@db.example/bot");
}

TEST(PostgresqlStore, CheckConfigConnectsAndServeStoresDeliveriesThere) {
  testkit::PostgresServer& server = testkit::shared_postgres_server();
  testkit::ScratchDir dir;
  const std::string url = server.url(server.create_database());
  const auto config = write_config(dir.path(), url);
  const auto checked = bot({"check-config", "--config", config.string()}, dir.path());
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("store " + url + " (PostgreSQL 15."), std::string::npos) << checked.output;
  EXPECT_NE(checked.output.find("empty: serve creates schema version"), std::string::npos) << checked.output;
  EXPECT_EQ(checked.output.find(testkit::PostgresServer::kPassword), std::string::npos);

  {
    const auto log = dir.path() / "serve.log";
    testkit::ChildProcess serve({CALICO_BOT_BINARY, "serve", "--config", config.string()}, log);
    const std::string started = testkit::wait_for_text(log, "event=service.started", std::chrono::seconds(30));
    std::smatch port;
    ASSERT_TRUE(std::regex_search(started, port, std::regex("event=service.started .*port=([0-9]+)"))) << started;
    testkit::HttpClient client("127.0.0.1", static_cast<std::uint16_t>(std::stoi(port[1])));
    const std::string body =
        R"({"ref":"refs/heads/master","before":"0000000000000000000000000000000000000000","after":"abc",)"
        R"("repository":{"full_name":"projectcalico/felix"},"sender":{"login":"releaser","type":"User"}})";
    const auto answer = client.request("POST", "/webhook", testkit::github_headers("push", "pg-guid-1", testkit::kTestSecret, body), body);
    EXPECT_EQ(answer.status, 202) << answer.body;
    EXPECT_EQ(client.request("GET", "/healthz", {}).status, 200);
    serve.signal(SIGTERM);
    EXPECT_EQ(serve.wait(std::chrono::seconds(30)), 0);
    const std::string text = testkit::read_file(log);
    EXPECT_EQ(text.find(testkit::PostgresServer::kPassword), std::string::npos) << "the password reached the log";
  }
  // Stored in PostgreSQL, where check-config now finds the schema.
  config::StoreConfig settings;
  settings.backend = "postgresql";
  settings.url = url;
  settings.password = config::Secret(testkit::PostgresServer::kPassword);
  {
    store::Store store(settings);
    EXPECT_TRUE(store.call([](store::Database& db) { return store::find_delivery(db, "pg-guid-1"); }).has_value());
  }
  const auto again = bot({"check-config", "--config", config.string()}, dir.path());
  EXPECT_NE(again.output.find("schema version " + std::to_string(store::latest_schema_version())), std::string::npos) << again.output;

  // A wrong password: refused at once, naming the setting, showing no password.
  testkit::write_file(dir.path() / "store-password", "not-the-password");
  const auto refused = bot({"check-config", "--config", config.string()}, dir.path());
  EXPECT_EQ(refused.exit_code, 3) << refused.output;
  EXPECT_NE(refused.output.find("store.url (" + url + "): cannot connect to the store"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("password authentication failed"), std::string::npos) << refused.output;
  EXPECT_EQ(refused.output.find("not-the-password"), std::string::npos);
}

TEST(PostgresqlStore, OneReplicaLeadsEachRoleUntilItsConnectionEnds) {
  testkit::PostgresServer& server = testkit::shared_postgres_server();
  const config::StoreConfig settings = server.store_config();
  auto first = std::make_unique<store::Store>(settings);
  store::Store second(settings);
  EXPECT_TRUE(first->leads("poll"));
  EXPECT_TRUE(first->leads("poll"));  // kept
  EXPECT_FALSE(second.leads("poll"));
  EXPECT_TRUE(second.leads("recovery"));
  EXPECT_FALSE(first->leads("recovery"));
  first.reset();  // the leader goes: its roles are free
  EXPECT_TRUE(testkit::eventually([&] { return second.leads("poll"); }));
}
