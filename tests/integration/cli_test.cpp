// The executable's command line: help, version, exit codes, and configuration errors.
#include <gtest/gtest.h>

#include "tests/support/fixtures.hpp"
#include "tests/support/gpg_fixture.hpp"
#include "tests/support/process.hpp"

using namespace calico;

namespace {
testkit::RunResult bot(const std::vector<std::string>& args, const std::filesystem::path& scratch,
                       const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv{CALICO_BOT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return testkit::run_process(argv, scratch, env);
}
}  // namespace

TEST(Cli, HelpAndVersion) {
  testkit::ScratchDir dir;
  const auto help = bot({"--help"}, dir.path());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("calico-release-bot serve --config FILE"), std::string::npos);
  EXPECT_NE(help.output.find("Exit codes:"), std::string::npos);
  const auto version = bot({"--version"}, dir.path());
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.output.rfind("calico-release-bot ", 0), 0u);
}

TEST(Cli, UsageErrorsExit2) {
  testkit::ScratchDir dir;
  EXPECT_EQ(bot({}, dir.path()).exit_code, 2);
  const auto unknown = bot({"frobnicate"}, dir.path());
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("unknown command \"frobnicate\""), std::string::npos);
  EXPECT_EQ(bot({"serve"}, dir.path()).exit_code, 2);
  EXPECT_EQ(bot({"serve", "--config"}, dir.path()).exit_code, 2);
  EXPECT_EQ(bot({"serve", "--config", "x", "--log-level", "loud"}, dir.path()).exit_code, 2);
}

TEST(Cli, CheckConfigAcceptsTheShippedFiles) {
  testkit::ScratchDir dir;
  // The demo's signing key is made by the demo itself: without it the file is refused, naming it.
  const std::string demo_config = std::string(CALICO_SOURCE_DIR) + "/config/demo.toml";
  std::string text = testkit::read_text(demo_config);
  const std::string demo_dir = (dir.path() / "var" / "demo").string();
  for (auto at = text.find("../var/demo"); at != std::string::npos; at = text.find("../var/demo")) text.replace(at, 11, demo_dir);
  std::filesystem::create_directories(dir.path() / "demo");
  std::filesystem::copy_file(std::string(CALICO_SOURCE_DIR) + "/config/demo/webhook-secret", dir.path() / "demo" / "webhook-secret");
  testkit::write_file(dir.path() / "demo.toml", text);
  const std::vector<std::string> token{"CALICO_DEMO_LP_CONSUMER_KEY=demo", "CALICO_DEMO_LP_TOKEN=token", "CALICO_DEMO_LP_TOKEN_SECRET=s"};
  const auto missing_key = bot({"check-config", "--config", (dir.path() / "demo.toml").string()}, dir.path(), token);
  EXPECT_EQ(missing_key.exit_code, 3);
  EXPECT_NE(missing_key.output.find("secrets.gpg_secret_key (from file " + demo_dir + "/key/signing-key.asc): cannot open the file"),
            std::string::npos)
      << missing_key.output;
  // A file that is not a key is refused as serve would refuse it (GnuPG imports no secret key).
  testkit::write_file(dir.path() / "var" / "demo" / "key" / "signing-key.asc", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n");
  const auto not_a_key = bot({"check-config", "--config", (dir.path() / "demo.toml").string()}, dir.path(), token);
  EXPECT_EQ(not_a_key.exit_code, 3);
  EXPECT_NE(not_a_key.output.find("secrets.gpg_secret_key (from file " + demo_dir + "/key/signing-key.asc): is not a usable signing key"),
            std::string::npos)
      << not_a_key.output;
  const testkit::GpgFixture key = testkit::make_gpg_key(dir.path() / "gpg");
  std::filesystem::copy_file(key.secret_key, dir.path() / "var" / "demo" / "key" / "signing-key.asc",
                             std::filesystem::copy_options::overwrite_existing);
  // The demo's Launchpad token comes from variables scripts/demo-run sets; without them the file
  // is refused, naming the first.
  const auto no_token = bot({"check-config", "--config", (dir.path() / "demo.toml").string()}, dir.path());
  EXPECT_EQ(no_token.exit_code, 3);
  EXPECT_NE(no_token.output.find("secrets.launchpad_consumer_key (from environment variable CALICO_DEMO_LP_CONSUMER_KEY): the variable is not set"),
            std::string::npos)
      << no_token.output;
  const auto demo = bot({"check-config", "--config", (dir.path() / "demo.toml").string()}, dir.path(), token);
  EXPECT_EQ(demo.exit_code, 0) << demo.output;
  EXPECT_NE(demo.output.find(": ok (5 repositories"), std::string::npos) << demo.output;
  testkit::remove_gpg_home(key.verify_home);
}

// #21 item 9: what serve would trip over is found by check-config too.
TEST(Cli, CheckConfigRefusesUnsafeSecretFilesAndAStoreThatCannotOpen) {
  testkit::ScratchDir dir;
  const auto secret = dir.path() / "webhook-secret";
  testkit::write_file(secret, "s3cr3t-value\n");
  const auto config = dir.path() / "bot.toml";
  testkit::write_file(config, "[store]\npath = \"state.sqlite\"\n[secrets]\nwebhook_secret = { file = \"webhook-secret\" }\n" +
                                  std::string(testkit::kDefaultPlatformsBuiltOnHost));
  std::filesystem::permissions(secret, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const auto fine = bot({"check-config", "--config", config.string()}, dir.path());
  EXPECT_EQ(fine.exit_code, 0) << fine.output;
  EXPECT_EQ(fine.output.find("warning"), std::string::npos) << fine.output;

  std::filesystem::permissions(secret, static_cast<std::filesystem::perms>(0644));
  const auto readable = bot({"check-config", "--config", config.string()}, dir.path());
  EXPECT_EQ(readable.exit_code, 0) << readable.output;
  EXPECT_NE(readable.output.find("warning: " + config.string() + ":4: secrets.webhook_secret (from file " + secret.string() +
                                 "): the file is mode 0644, readable by others"),
            std::string::npos)
      << readable.output;

  std::filesystem::permissions(secret, static_cast<std::filesystem::perms>(0666));
  const auto writable = bot({"check-config", "--config", config.string()}, dir.path());
  EXPECT_EQ(writable.exit_code, 3);
  EXPECT_NE(writable.output.find("the file is mode 0666, writable by others than its owner"), std::string::npos) << writable.output;
  EXPECT_EQ(writable.output.find("s3cr3t-value"), std::string::npos);
  EXPECT_EQ(bot({"serve", "--config", config.string()}, dir.path()).exit_code, 3) << "serve refuses it too";
  std::filesystem::permissions(secret, static_cast<std::filesystem::perms>(0600));

  // A store path that is a directory, and one whose directory is a file: serve could not open
  // either; check-config says so.
  std::filesystem::create_directories(dir.path() / "state.sqlite");
  const auto directory = bot({"check-config", "--config", config.string()}, dir.path());
  EXPECT_EQ(directory.exit_code, 3);
  EXPECT_NE(directory.output.find("store.path (" + (dir.path() / "state.sqlite").string() + "): is a directory"), std::string::npos)
      << directory.output;
  testkit::write_file(dir.path() / "plain-file", "x");
  testkit::write_file(config, "[store]\npath = \"plain-file/state.sqlite\"\n[secrets]\nwebhook_secret = { file = \"webhook-secret\" }\n");
  const auto under_file = bot({"check-config", "--config", config.string()}, dir.path());
  EXPECT_EQ(under_file.exit_code, 3);
  EXPECT_NE(under_file.output.find("cannot be created: " + (dir.path() / "plain-file").string() + " is not a directory"),
            std::string::npos)
      << under_file.output;
}

TEST(Cli, BadConfigurationExits3NamingFileLineAndKey) {
  testkit::ScratchDir dir;
  testkit::write_file(dir.path() / "bad.toml", "[server]\nport = 1\nthreads = 0\n");
  const auto result = bot({"check-config", "--config", (dir.path() / "bad.toml").string()}, dir.path());
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.output.find((dir.path() / "bad.toml").string() + ":3: server.threads: expected an integer in 1..64, got 0"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(bot({"serve", "--config", (dir.path() / "missing.toml").string()}, dir.path()).exit_code, 3);
}

TEST(Cli, UnreadableSecretExits3WithoutShowingSecrets) {
  testkit::ScratchDir dir;
  testkit::write_file(dir.path() / "bot.toml", "[secrets]\nwebhook_secret = { env = \"CALICO_TEST_UNSET_SECRET\" }\n");
  const auto result = bot({"serve", "--config", (dir.path() / "bot.toml").string()}, dir.path());
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.output.find("secrets.webhook_secret (from environment variable CALICO_TEST_UNSET_SECRET): the variable is not set"),
            std::string::npos)
      << result.output;
}

TEST(Cli, ServeWithoutAWebhookSecretIsRefused) {
  testkit::ScratchDir dir;
  testkit::write_file(dir.path() / "bot.toml", "[server]\nport = 0\n");
  const auto result = bot({"serve", "--config", (dir.path() / "bot.toml").string()}, dir.path());
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.output.find("secrets.webhook_secret: is required to serve"), std::string::npos) << result.output;
}

TEST(Cli, CheckConfigRefusesExactlyWhatServeRefuses) {
  testkit::ScratchDir dir;
  testkit::write_file(dir.path() / "secret", "s3cret-value\n");
  testkit::write_file(dir.path() / "app.key", "not a key at all\n");
  const std::string secret = "[secrets]\nwebhook_secret = { file = \"secret\" }\n";
  const std::string file = (dir.path() / "bot.toml").string();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", file + ": secrets.webhook_secret: is required to serve"},
      {"[server]\nport = 0\n", file + ": secrets.webhook_secret: is required to serve"},
      {"[server]\naddress = \"not-an-ip\"\n" + secret, file + ":2: server.address: is not an IPv4 or IPv6 address"},
      {secret + "[[repositories]]\nname = \"felix\"\ngithub = \"projectcalico/felix\"\nurl = \"https//github.com/projectcalico/felix\"\n",
       file + ":6: repositories[0].url: is not a repository URL"},
      {secret + "github_app_private_key = { file = \"app.key\" }\n[github]\napp_id = \"1\"\ninstallation_id = \"2\"\n"
                "[server]\npublic_url = \"https://bot.example\"\n",
       file + ":3: secrets.github_app_private_key (from file " + (dir.path() / "app.key").string() + "): is not a PEM private key"},
      {secret + "github_token = { file = \"secret\" }\n", file + ": server.public_url: is required with GitHub credentials"},
      {"[secrets]\nwebhook_secret = { file = \"missing\" }\n",
       file + ":2: secrets.webhook_secret (from file " + (dir.path() / "missing").string() + "): cannot open the file"},
  };
  for (const auto& [text, expected] : cases) {
    testkit::write_file(dir.path() / "bot.toml", text);
    for (const char* command : {"check-config", "serve"}) {
      const auto result = bot({command, "--config", file}, dir.path());
      EXPECT_EQ(result.exit_code, 3) << command << " on:\n" << text << result.output;
      EXPECT_NE(result.output.find(expected), std::string::npos) << command << " on:\n" << text << result.output;
      EXPECT_EQ(result.output.find("s3cret-value"), std::string::npos) << "a secret in an error";
      EXPECT_EQ(result.output.find("not a key at all"), std::string::npos) << "a key in an error";
    }
  }
}

TEST(Cli, PortInUseExits1) {
  testkit::ScratchDir dir;
  testkit::test_config(dir.path());
  // Occupy a port with a first bot, then point a second at it.
  testkit::ChildProcess first({CALICO_BOT_BINARY, "serve", "--log-level", "info", "--config", (dir.path() / "bot.toml").string()}, dir.path() / "first.log");
  const std::string log = testkit::wait_for_text(dir.path() / "first.log", "event=service.started", std::chrono::seconds(20));
  const auto at = log.find("port=");
  const std::string port = log.substr(at + 5, log.find(' ', at) - at - 5);
  std::string text = testkit::read_file(dir.path() / "bot.toml");
  text.replace(text.find("port = 0"), 8, "port = " + port);
  text.replace(text.find("state.sqlite"), 12, "second.sqlite");
  testkit::write_file(dir.path() / "second.toml", text);
  const auto second = bot({"serve", "--config", (dir.path() / "second.toml").string()}, dir.path());
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.output.find("cannot listen on 127.0.0.1:" + port), std::string::npos) << second.output;
}

// What the kubernetes executor needs that a file alone cannot show: API access and a non-root uid.
TEST(Cli, CheckConfigFindsTheKubernetesExecutorsAccessOrSaysWhyNot) {
  testkit::ScratchDir dir;
  const auto config = dir.path() / "bot.toml";
  testkit::write_file(dir.path() / "webhook-secret", "s3cr3t\n");
  std::filesystem::permissions(dir.path() / "webhook-secret", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string head = "[store]\npath = \"state.sqlite\"\n[secrets]\nwebhook_secret = { file = \"webhook-secret\" }\n"
                           "[publish]\nexecutor = \"kubernetes\"\n[publish.kubernetes]\nrun_as_user = 1000\n";
  testkit::write_file(config, head + "kubeconfig = \"kube.yaml\"\n");
  const auto missing = bot({"check-config", "--config", config.string()}, dir.path());
  EXPECT_EQ(missing.exit_code, 3) << missing.output;
  EXPECT_NE(missing.output.find("publish.executor = \"kubernetes\": no kubeconfig file found at " + (dir.path() / "kube.yaml").string()),
            std::string::npos)
      << missing.output;
  testkit::write_file(dir.path() / "kube.yaml",
                      "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\nclusters:\n- name: k\n  cluster: {server: https://k.example:6443}\n"
                      "users:\n- name: u\n  user: {token: t}\n");
  const auto fine = bot({"check-config", "--config", config.string()}, dir.path());
  EXPECT_EQ(fine.exit_code, 0) << fine.output;
}

// #23: the local executor builds on this host, which is Debian here and not CentOS 7: the default
// centos7 platform is refused, by check-config and serve alike, naming it and the ways out;
// `build_on_host = true` (the rpm_defines adapt this host) or an executor with the platform's
// own image is accepted.
TEST(Cli, TheLocalExecutorRefusesAnRpmPlatformThisHostIsNot) {
  testkit::ScratchDir dir;
  const auto config = dir.path() / "bot.toml";
  testkit::write_file(dir.path() / "webhook-secret", "s3cr3t\n");
  std::filesystem::permissions(dir.path() / "webhook-secret", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string head = "[store]\npath = \"state.sqlite\"\n[secrets]\nwebhook_secret = { file = \"webhook-secret\" }\n";
  testkit::write_file(config, head);
  for (const char* command : {"check-config", "serve"}) {
    const auto refused = bot({command, "--config", config.string()}, dir.path());
    EXPECT_EQ(refused.exit_code, 3) << command << ": " << refused.output;
    for (const char* part : {"publish.platforms: platform \"centos7\" (RPMs for .el7) would be built on this host by executor = \"local\"",
                             "rpm's %{dist} here is empty", "executor = \"docker\" or \"kubernetes\"", "build_on_host = true"}) {
      EXPECT_NE(refused.output.find(part), std::string::npos) << command << " does not say " << part << ": " << refused.output;
    }
  }
  // publish has no start to refuse at: it refuses before its first job, for the platforms it builds.
  const auto published = bot({"publish", "--config", config.string(), "--version", "master", "--steps", "net_cal", "--platforms", "centos7"},
                             dir.path());
  EXPECT_EQ(published.exit_code, 3) << published.output;
  EXPECT_NE(published.output.find("publish.platforms: platform \"centos7\" (RPMs for .el7) would be built on this host"), std::string::npos)
      << published.output;
  EXPECT_EQ(published.output.find("Publishing"), std::string::npos) << published.output;
  testkit::write_file(config, head + "[[publish.platforms]]\nname = \"centos7\"\nkind = \"rpm\"\nrpm_dist = \".el7\"\nbuild_on_host = true\n");
  const auto adapted = bot({"check-config", "--config", config.string()}, dir.path());
  EXPECT_EQ(adapted.exit_code, 0) << adapted.output;
  testkit::write_file(config, head + "[publish]\nexecutor = \"docker\"\n");
  const auto in_image = bot({"check-config", "--config", config.string()}, dir.path());
  EXPECT_EQ(in_image.exit_code, 0) << in_image.output;
  // An instance that runs no build (dispatch disabled) is not asked where builds would run.
  testkit::write_file(config, head + "[dispatch]\nenabled = false\n");
  const auto never_builds = bot({"check-config", "--config", config.string()}, dir.path());
  EXPECT_EQ(never_builds.exit_code, 0) << never_builds.output;
}

// A component's flags follow from its configured variable, like its environment variables: a
// component added in configuration has them; one that names no component is refused, naming it.
TEST(Cli, PublishTakesEveryConfiguredComponentsFlags) {
  testkit::ScratchDir dir;
  const auto config = dir.path() / "bot.toml";
  testkit::write_file(config,
                      "[[repositories]]\nname = \"calicoctl\"\ngithub = \"projectcalico/calicoctl\"\n"
                      "url = \"https://github.com/projectcalico/calicoctl.git\"\n"
                      "[publish.components.calicoctl]\nstep = \"calicoctl\"\ntitle = \"calicoctl\"\nplatforms = [\"xenial\"]\n");
  const std::vector<std::string> plan{"publish", "--config", config.string(), "--dry-run", "--steps", "calicoctl,felix", "--platforms", "xenial"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = plan;
    args.insert(args.end(), extra.begin(), extra.end());
    return bot(args, dir.path());
  };
  const auto given = with({"--calicoctl-repo", "/srv/calicoctl.git", "--calicoctl-checkout", "v9.9", "--felix-checkout", "f00d"});
  EXPECT_EQ(given.exit_code, 0) << given.output;
  EXPECT_NE(given.output.find("calicoctl/xenial  [/srv/calicoctl.git @ v9.9]"), std::string::npos) << given.output;
  EXPECT_NE(given.output.find("felix/xenial  [https://github.com/projectcalico/felix.git @ f00d]"), std::string::npos) << given.output;
  // The flag wins over its variable.
  const auto both = bot({"publish", "--config", config.string(), "--dry-run", "--steps", "calicoctl", "--platforms", "xenial",
                         "--calicoctl-checkout", "flag"},
                        dir.path(), {"CALICOCTL_CHECKOUT=variable", "CALICOCTL_REPO=/env/calicoctl.git"});
  EXPECT_NE(both.output.find("calicoctl/xenial  [/env/calicoctl.git @ flag]"), std::string::npos) << both.output;

  const auto unknown = with({"--calico-ctl-repo", "/srv/x.git"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("--calico-ctl-repo: no component in " + config.string() + " (publish.components) has CALICO_CTL_REPO"),
            std::string::npos)
      << unknown.output;
  EXPECT_NE(unknown.output.find("CALICOCTL_REPO"), std::string::npos) << "names the variables there are: " << unknown.output;
  const auto not_optional = with({"--package-nothing", "true"});
  EXPECT_EQ(not_optional.exit_code, 2) << not_optional.output;
  EXPECT_NE(not_optional.output.find("--package-nothing: no component"), std::string::npos) << not_optional.output;
  const auto bad_value = with({"--package-calicoctl", "yes"});
  EXPECT_EQ(bad_value.exit_code, 2) << bad_value.output;
  EXPECT_NE(bad_value.output.find("PACKAGE_CALICOCTL must be true or false, got \"yes\""), std::string::npos) << bad_value.output;
  EXPECT_EQ(with({"--Calicoctl-repo", "x"}).exit_code, 2);
  EXPECT_EQ(with({"--calicoctl-repo"}).exit_code, 2) << "a flag without its value";
}
