#include <gtest/gtest.h>

#include <cstdlib>

#include "config/error.hpp"
#include "config/loader.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using config::ConfigError;
using config::parse_config;

namespace {
const std::filesystem::path kOrigin = "/etc/calico/bot.toml";

std::string error_of(const std::string& text) {
  try {
    parse_config(text, kOrigin);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}
}  // namespace

TEST(Config, EmptyFileGivesDocumentedDefaults) {
  const config::Config c = parse_config("", kOrigin);
  EXPECT_EQ(c.server.listen_address, "127.0.0.1");
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_EQ(c.server.webhook_path, "/webhook");
  EXPECT_EQ(c.server.max_body_bytes, 25u * 1024 * 1024);
  EXPECT_EQ(c.store.path, "/etc/calico/calico-release-bot.sqlite");
  EXPECT_EQ(c.log.level, config::LogLevel::info);
  EXPECT_FALSE(c.secrets.webhook_secret.configured());
  EXPECT_TRUE(c.repositories.empty());
}

TEST(Config, ExampleAndDemoFilesLoad) {
  const auto root = std::filesystem::path(CALICO_SOURCE_DIR) / "config";
  const config::Config example = config::load_config(root / "bot.example.toml");
  EXPECT_EQ(example.repositories.size(), 3u);
  EXPECT_EQ(example.secrets.webhook_secret.kind, config::SecretSource::Kind::env);
  const config::Config demo = config::load_config(root / "demo.toml");
  EXPECT_EQ(demo.secrets.webhook_secret.kind, config::SecretSource::Kind::file);
  EXPECT_TRUE(demo.secrets.webhook_secret.file.is_absolute());
  ASSERT_NE(demo.find_repository("ProjectCalico/Felix"), nullptr);
  EXPECT_EQ(demo.find_repository("projectcalico/felix")->name, "felix");
}

TEST(Config, TheKubernetesDeploymentsFileLoads) {
  const config::Config deployed =
      config::load_config(std::filesystem::path(CALICO_SOURCE_DIR) / "deploy" / "kubernetes" / "bot.toml");
  EXPECT_EQ(deployed.store.backend, "postgresql") << "its replicas share one store";
  EXPECT_EQ(deployed.server.listen_address, "0.0.0.0");
  EXPECT_EQ(deployed.secrets.store_password.kind, config::SecretSource::Kind::file);
  EXPECT_EQ(deployed.secrets.webhook_secret.file, "/run/secrets/calico-release-bot/webhook-secret");
  EXPECT_EQ(deployed.publish.work_dir, "/var/lib/calico-release-bot/work");
  // Builds run as Jobs beside the bot, on the claim the Deployment mounts, at the same path.
  EXPECT_EQ(deployed.publish.executor, "kubernetes");
  EXPECT_EQ(deployed.publish.kubernetes.workspace_claim, "calico-release-bot-workspace");
  EXPECT_EQ(deployed.publish.kubernetes.workspace_mount_path, "/var/lib/calico-release-bot");
  EXPECT_EQ(deployed.publish.kubernetes.run_as_user, 10001);
}

TEST(Config, RelativePathsAreAnchoredAtTheFile) {
  const config::Config c = parse_config(R"(
[store]
path = "state/bot.sqlite"
[secrets]
webhook_secret = { file = "secret" }
[[repositories]]
name = "felix"
github = "projectcalico/felix"
url = "repos/felix"
)", kOrigin);
  EXPECT_EQ(c.store.path, "/etc/calico/state/bot.sqlite");
  EXPECT_EQ(c.secrets.webhook_secret.file, "/etc/calico/secret");
  EXPECT_EQ(c.repositories[0].url, "/etc/calico/repos/felix");
}

TEST(Config, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(error_of("[server]\nport = 70000\n"),
            "/etc/calico/bot.toml:2: server.port: expected an integer in 0..65535, got 70000");
  EXPECT_EQ(error_of("[server]\n\nport = \"80\"\n"), "/etc/calico/bot.toml:3: server.port: expected an integer, got a string");
  EXPECT_EQ(error_of("[server]\nprot = 80\n"),
            "/etc/calico/bot.toml:2: server.prot: unknown key (see config/bot.example.toml for the keys there are)");
  EXPECT_EQ(error_of("colour = 1\n"),
            "/etc/calico/bot.toml:1: colour: unknown key (see config/bot.example.toml for the keys there are)");
  EXPECT_EQ(error_of("[log]\nlevel = \"loud\"\n"),
            "/etc/calico/bot.toml:2: log.level: expected one of debug, info, warn, error, got \"loud\"");
  EXPECT_EQ(error_of("[server]\nwebhook_path = \"hook\"\n").substr(0, 48), "/etc/calico/bot.toml:2: server.webhook_path: mus");
  EXPECT_EQ(error_of("[github]\nrpm_repository_url = \"binaries.example/rpm\"\n"),
            "/etc/calico/bot.toml:2: github.rpm_repository_url: must be an http(s) URL, got \"binaries.example/rpm\"");
  EXPECT_EQ(error_of("[github]\ndeployments = \"yes\"\n"), "/etc/calico/bot.toml:2: github.deployments: expected true or false, got a string");
}

TEST(Config, TomlSyntaxErrorsNameTheLine) {
  const std::string error = error_of("[server]\nport = = 1\n");
  EXPECT_EQ(error.rfind("/etc/calico/bot.toml:2: ", 0), 0u) << error;
}

TEST(Config, RepositoriesAreValidated) {
  EXPECT_EQ(error_of("[[repositories]]\nname = \"felix\"\ngithub = \"projectcalico/felix\"\n"),
            "/etc/calico/bot.toml:1: repositories[0].url: is required");
  EXPECT_EQ(error_of("[[repositories]]\nname = \"Felix!\"\ngithub = \"a/b\"\nurl = \"x\"\n"),
            "/etc/calico/bot.toml:2: repositories[0].name: must be lower-case letters, digits, '.', '_' or '-', got \"Felix!\"");
  EXPECT_EQ(error_of("[[repositories]]\nname = \"felix\"\ngithub = \"felix\"\nurl = \"x\"\n"),
            "/etc/calico/bot.toml:3: repositories[0].github: must be \"owner/repository\", got \"felix\"");
  EXPECT_EQ(error_of("[[repositories]]\nname = \"a\"\ngithub = \"o/a\"\nurl = \"x\"\n"
                     "[[repositories]]\nname = \"a\"\ngithub = \"o/b\"\nurl = \"y\"\n"),
            "/etc/calico/bot.toml:6: repositories[1].name: \"a\" is used twice");
  EXPECT_EQ(error_of("[[repositories]]\nname = \"a\"\ngithub = \"o/a\"\nurl = \"x\"\nmaster_branch = \"../x\"\n"),
            "/etc/calico/bot.toml:5: repositories[0].master_branch: is not a valid branch name: \"../x\"");
}

TEST(Config, SecretsMustNotBeWrittenInTheFileAndAreNeverEchoed) {
  const std::string error = error_of("[secrets]\nwebhook_secret = \"hunter2-super-secret\"\n");
  EXPECT_NE(error.find("secrets.webhook_secret: a secret may not be written in the configuration"), std::string::npos);
  EXPECT_EQ(error.find("hunter2"), std::string::npos);
  EXPECT_NE(error_of("[secrets]\nwebhook_secret = { env = \"A\", file = \"b\" }\n").find("exactly one of"), std::string::npos);
  EXPECT_NE(error_of("[secrets]\nwebhook_secret = { env = \"NOT A NAME\" }\n").find("is not an environment variable name"),
            std::string::npos);
  EXPECT_NE(error_of("[secrets]\nwebhook_secret = { value = \"x\" }\n").find("secrets.webhook_secret.value: unknown key"),
            std::string::npos);
}

TEST(Config, PreviousSecretNeedsACurrentOne) {
  EXPECT_EQ(error_of("[secrets]\nwebhook_previous_secret = { env = \"OLD\" }\n"),
            "/etc/calico/bot.toml:2: secrets.webhook_previous_secret: is set but secrets.webhook_secret is not");
}

TEST(Secrets, LoadFromEnvironmentAndFileWithoutEverShowingTheValue) {
  testkit::ScratchDir dir;
  testkit::write_file(dir.path() / "s", "from-file\n");
  config::SecretSource file{config::SecretSource::Kind::file, "", dir.path() / "s"};
  EXPECT_EQ(config::load_secret(file, "secrets.x").reveal(), "from-file");

  ::setenv("CALICO_TEST_SECRET_VALUE", "from-env", 1);
  config::SecretSource env{config::SecretSource::Kind::env, "CALICO_TEST_SECRET_VALUE", {}};
  EXPECT_EQ(config::load_secret(env, "secrets.x").reveal(), "from-env");

  ::setenv("CALICO_TEST_SECRET_EMPTY", "", 1);
  config::SecretSource empty{config::SecretSource::Kind::env, "CALICO_TEST_SECRET_EMPTY", {}};
  EXPECT_THROW(config::load_secret(empty, "secrets.x"), ConfigError);

  config::SecretSource missing{config::SecretSource::Kind::file, "", dir.path() / "nope"};
  try {
    config::load_secret(missing, "secrets.webhook_secret");
    FAIL() << "expected an error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "secrets.webhook_secret (from file " + (dir.path() / "nope").string() + "): cannot open the file");
  }
}

TEST(Config, PublishDefaultsFollowTheDesignMatrix) {
  const config::Config c = parse_config("", kOrigin);
  ASSERT_EQ(c.publish.platforms.size(), 5u);
  EXPECT_EQ(c.publish.platforms[3].name, "focal");
  EXPECT_EQ(c.publish.platforms[4].name, "centos7");
  EXPECT_EQ(c.publish.platforms[4].rpm_dist, ".el7");
  const config::ComponentConfig& nc = *c.publish.find_component("networking-calico");
  EXPECT_EQ(nc.step, "net_cal");
  EXPECT_EQ(nc.epoch, 1u);
  EXPECT_EQ(nc.version_file, "setup.py");
  EXPECT_TRUE(nc.python2_tag);
  EXPECT_EQ(c.publish.find_component("felix")->pre_build.size(), 3u);
  EXPECT_FALSE(c.publish.find_component("etcd3gw")->enabled);
  EXPECT_TRUE(c.publish.find_component("nettle")->optional);
  EXPECT_EQ(c.publish.find_component("nettle")->source_kind, config::SourceKind::dsc);
  EXPECT_EQ(c.publish.rpm_keep_versions, 1);
  EXPECT_EQ(*c.publish.find_component("dnsmasq")->ref_for("xenial"), "2.79test1calico1-2-xenial");
  EXPECT_FALSE(c.publish.find_component("dnsmasq")->builds_on("bionic"));
  EXPECT_TRUE(c.publish.find_component("nettle")->builds_on("xenial"));
  EXPECT_EQ(c.publish.ppa_owner, "project-calico");
}

TEST(Config, PublishSectionIsValidated) {
  EXPECT_EQ(error_of("[publish]\n[[publish.platforms]]\nname = \"focal\"\n"), "/etc/calico/bot.toml:2: publish.platforms[0].kind: is required (deb or rpm)");
  EXPECT_EQ(error_of("[publish]\n[[publish.platforms]]\nname = \"el8\"\nkind = \"rpm\"\n"),
            "/etc/calico/bot.toml:2: publish.platforms[0].rpm_dist: is required for an rpm platform (e.g. \".el7\")");
  EXPECT_EQ(error_of("[publish.components.felix]\nplatforms = [\"jammy\"]\n"),
            "/etc/calico/bot.toml:2: publish.components.felix.platforms: \"jammy\" is not in publish.platforms");
  EXPECT_EQ(error_of("[publish.components.calicoctl]\nepoch = 1\n"),
            "/etc/calico/bot.toml:1: publish.components.calicoctl.step: is required for a new component (its word in STEPS)");
  EXPECT_EQ(error_of("[publish.components.calicoctl]\nstep = \"felix\"\n"),
            "/etc/calico/bot.toml:2: publish.components.calicoctl.step: \"felix\" is already the step of felix");
  EXPECT_EQ(error_of("[publish.components.felix]\npre_build = [{ run = [] }]\n"),
            "/etc/calico/bot.toml:2: publish.components.felix.pre_build[0].run: must not be empty");
  EXPECT_EQ(error_of("[publish.components.nettle.refs]\nxenial = \"nettle.tar.gz\"\n"),
            "/etc/calico/bot.toml:2: publish.components.nettle.refs.xenial: is not the path or http(s) URL of a .dsc: \"nettle.tar.gz\"");
  EXPECT_EQ(error_of("[publish.components.felix]\nspec = \"../../etc/passwd\"\n"),
            "/etc/calico/bot.toml:2: publish.components.felix.spec: must be a path inside the source tree, got \"../../etc/passwd\"");
  EXPECT_EQ(error_of("[publish.components.felix]\nchangelog = \"keep\"\n"),
            "/etc/calico/bot.toml:1: publish.components.felix.changelog: a component that follows VERSION gets a generated changelog");
  EXPECT_EQ(error_of("[publish.components.dnsmasq]\nplatforms = [\"bionic\"]\n"),
            "/etc/calico/bot.toml:1: publish.components.dnsmasq.refs: no ref for platform \"bionic\" (dnsmasq is built from a configured ref per platform)");
  EXPECT_EQ(error_of("[publish.components.dnsmasq.refs]\ntrusty = \"--exec=x\"\n"),
            "/etc/calico/bot.toml:2: publish.components.dnsmasq.refs.trusty: is not a valid git ref: \"--exec=x\"");
  // Replacing the platform list: built-in components keep what remains of theirs.
  const config::Config focal_only = parse_config("[publish]\n[[publish.platforms]]\nname = \"focal\"\nkind = \"deb\"\n", kOrigin);
  EXPECT_EQ(focal_only.publish.find_component("felix")->platforms, std::vector<std::string>{"focal"});
  EXPECT_TRUE(focal_only.publish.find_component("dnsmasq")->platforms.empty());
  EXPECT_EQ(error_of("[publish]\nppa_owner = \"Project Calico\"\n"),
            "/etc/calico/bot.toml:2: publish.ppa_owner: is not a Launchpad name: \"Project Calico\"");
}

TEST(Config, ABadReleaseTagPatternIsNamed) {
  const std::string error =
      error_of("[[repositories]]\nname = \"felix\"\ngithub = \"a/felix\"\nurl = \"x\"\nrelease_tag_pattern = \"v(3\"\n");
  EXPECT_EQ(error.rfind("/etc/calico/bot.toml:5: repositories[0].release_tag_pattern: is not a valid regular expression: \"v(3\"", 0), 0u)
      << error;
}

TEST(Config, GitHubSectionIsValidatedWithWhereAndWhat) {
  const config::Config defaults = parse_config("", kOrigin);
  EXPECT_EQ(defaults.github.api_root, "https://api.github.com");
  EXPECT_EQ(defaults.github.permission_cache, std::chrono::seconds(300));
  EXPECT_EQ(defaults.github.write_interval, std::chrono::milliseconds(1000));
  EXPECT_EQ(defaults.server.status_page_url(), "http://127.0.0.1:8080");
  const config::Config set = parse_config(
      "[server]\naddress = \"0.0.0.0\"\nport = 9000\n[github]\napi_root = \"https://ghe.example/api/v3/\"\n"
      "allowed_users = [\"release-captain\", \"dependabot[bot]\"]\npermission_cache_seconds = 60\n",
      kOrigin);
  EXPECT_EQ(set.github.api_root, "https://ghe.example/api/v3");
  EXPECT_EQ(set.github.allowed_users.size(), 2u);
  EXPECT_EQ(set.server.status_page_url(), "http://127.0.0.1:9000");
  EXPECT_EQ(parse_config("[server]\npublic_url = \"https://bot.example/\"\n", kOrigin).server.status_page_url(),
            "https://bot.example");

  EXPECT_EQ(error_of("[github]\napi_root = \"ftp://x\"\n"), "/etc/calico/bot.toml:2: github.api_root: is not an http(s) URL: \"ftp://x\"");
  EXPECT_EQ(error_of("[github]\napp_id = 12\n"), "/etc/calico/bot.toml:2: github.app_id: expected a string, got an integer");
  EXPECT_EQ(error_of("[github]\napp_id = \"12x\"\n"), "/etc/calico/bot.toml:2: github.app_id: must be a number in quotes, got \"12x\"");
  EXPECT_EQ(error_of("[github]\napp_id = \"12\"\n"), "/etc/calico/bot.toml:2: github.app_id: app_id and installation_id go together");
  EXPECT_EQ(error_of("[github]\nallowed_users = [\"-bad-\"]\n"),
            "/etc/calico/bot.toml:2: github.allowed_users: \"-bad-\" is not a GitHub login");
  EXPECT_EQ(error_of("[github]\nwrite_interval_ms = -1\n").find("github.write_interval_ms: expected an integer in 0..60000"),
            std::string("/etc/calico/bot.toml:2: ").size());
  EXPECT_EQ(error_of("[secrets]\ngithub_app_private_key = { file = \"k.pem\" }\n"),
            "/etc/calico/bot.toml:2: secrets.github_app_private_key: is set but github.app_id and github.installation_id are not");
  EXPECT_EQ(error_of("[secrets]\ngithub_token = { env = \"T\" }\ngithub_app_private_key = { file = \"k.pem\" }\n"
                     "[github]\napp_id = \"1\"\ninstallation_id = \"2\"\n"),
            "/etc/calico/bot.toml:3: secrets.github_token and secrets.github_app_private_key: set one, not both");
  EXPECT_EQ(error_of("[server]\npublic_url = \"bot.example\"\n"),
            "/etc/calico/bot.toml:2: server.public_url: is not an http(s) URL: \"bot.example\"");
}

TEST(Config, ThePostgresqlStoreNeedsAUrlWithoutItsPassword) {
  const config::Config config =
      parse_config("[store]\nbackend = \"postgresql\"\nurl = \"postgresql://calico@db:5432/bot?sslmode=verify-full\"\n"
                   "[secrets]\nstore_password = { env = \"CALICO_STORE_PASSWORD\" }\n",
                   kOrigin);
  EXPECT_EQ(config.store.backend, "postgresql");
  EXPECT_EQ(config.store.url, "postgresql://calico@db:5432/bot?sslmode=verify-full");
  EXPECT_TRUE(config.secrets.store_password.configured());
  EXPECT_EQ(error_of("[store]\nbackend = \"postgresql\"\n"),
            "/etc/calico/bot.toml:2: store.backend: \"postgresql\" needs store.url (\"postgresql://user@host:5432/db\" or libpq keywords)");
  const std::string in_url = error_of("[store]\nbackend = \"postgresql\"\nurl = \"postgresql://calico:hunter2@db/bot\"\n");
  EXPECT_NE(in_url.find(":3: store.url: holds a password: give it as secrets.store_password"), std::string::npos) << in_url;
  EXPECT_EQ(in_url.find("hunter2"), std::string::npos);
  EXPECT_NE(error_of("[store]\nbackend = \"postgresql\"\nurl = \"host=db password=hunter2\"\n").find("holds a password"),
            std::string::npos);
  EXPECT_NE(error_of("[store]\nurl = \"postgresql://calico@db/bot\"\n").find("store.url: is for backend = \"postgresql\""),
            std::string::npos);
  EXPECT_NE(error_of("[store]\nbackend = \"mysql\"\n").find("store.backend"), std::string::npos);
  EXPECT_EQ(error_of("[secrets]\nstore_password = { env = \"P\" }\n"),
            "/etc/calico/bot.toml:2: secrets.store_password: is set but store.backend is not \"postgresql\"");
}

TEST(Config, KubernetesExecutorSettingsAreReadAndCheckedWhereTheyAreWritten) {
  const config::Config c = parse_config(R"(
[publish]
executor = "kubernetes"
[publish.kubernetes]
kubeconfig = "kube/config"
namespace = "calico-builds"
workspace_claim = "bot-work"
push_images = true
run_as_user = 10001
run_as_group = 10001
ttl_after_finished_seconds = 600
start_timeout_seconds = 120
cpu_request = "500m"
memory_limit = "16Gi"
cpu_limit = ""
node_selector = { "kubernetes.io/arch" = "amd64" }
tolerations = [{ key = "dedicated", operator = "Equal", value = "builds", effect = "NoSchedule" }]
)", kOrigin);
  const config::KubernetesConfig& k = c.publish.kubernetes;
  EXPECT_EQ(c.publish.executor, "kubernetes");
  EXPECT_EQ(k.kubeconfig, "/etc/calico/kube/config") << "relative to the configuration file";
  EXPECT_EQ(k.name_space, "calico-builds");
  EXPECT_EQ(k.workspace_claim, "bot-work");
  EXPECT_TRUE(k.push_images);
  EXPECT_EQ(k.run_as_user, 10001);
  EXPECT_EQ(k.ttl_after_finished, std::chrono::seconds(600));
  EXPECT_EQ(k.start_timeout, std::chrono::seconds(120));
  EXPECT_EQ(k.cpu_request, "500m");
  EXPECT_EQ(k.memory_request, "2Gi") << "the default stays";
  EXPECT_EQ(k.memory_limit, "16Gi");
  EXPECT_EQ(k.cpu_limit, "");
  EXPECT_EQ(k.node_selector.at("kubernetes.io/arch"), "amd64");
  ASSERT_EQ(k.tolerations.size(), 1u);
  EXPECT_EQ(k.tolerations[0].effect, "NoSchedule");

  EXPECT_NE(error_of("[publish.kubernetes]\nnamespace = \"Calico_Builds\"\n").find("publish.kubernetes.namespace"), std::string::npos);
  EXPECT_NE(error_of("[publish.kubernetes]\nmemory_limit = \"8 GB\"\n").find("is not a Kubernetes quantity"), std::string::npos);
  EXPECT_NE(error_of("[publish.kubernetes]\nrun_as_user = 0\n").find("publish.kubernetes.run_as_user"), std::string::npos);
  EXPECT_NE(error_of("[publish.kubernetes]\ntolerations = [{ effect = \"Sometimes\" }]\n").find("tolerations[0].effect"), std::string::npos);
  EXPECT_NE(error_of("[publish.kubernetes]\nnode_selector = { \"bad key!\" = \"x\" }\n").find("node_selector"), std::string::npos);
  EXPECT_NE(error_of("[publish.kubernetes]\nnamspace = \"x\"\n").find("namspace"), std::string::npos) << "unknown keys are refused";
  EXPECT_NE(error_of("[publish]\nexecutor = \"nomad\"\n").find("local, docker, kubernetes"), std::string::npos);
}

TEST(Config, PromotionReadsItsSourceAndLaunchpadsTokenComesWhole) {
  EXPECT_EQ(parse_config("", kOrigin).publish.promote_from, "testing");
  EXPECT_EQ(parse_config("[publish]\npromote_from = \"\"\n", kOrigin).publish.promote_from, "");
  EXPECT_EQ(parse_config("[publish]\npromote_from = \"rc-3.4\"\n", kOrigin).publish.promote_from, "rc-3.4");
  EXPECT_EQ(error_of("[publish]\npromote_from = \"../calico-3.4\"\n"),
            "/etc/calico/bot.toml:2: publish.promote_from: is not a target name (a PPA or RPM repository): \"../calico-3.4\"");
  const config::Config whole = parse_config(
      "[secrets]\nlaunchpad_consumer_key = { env = \"LP_C\" }\nlaunchpad_token = { env = \"LP_T\" }\n"
      "launchpad_token_secret = { file = \"/run/secrets/lp\" }\n",
      kOrigin);
  EXPECT_TRUE(whole.secrets.launchpad_token_secret.configured());
  const auto variables = whole.secrets.variables();
  EXPECT_NE(std::find(variables.begin(), variables.end(), "LP_T"), variables.end()) << "withheld from jobs like every secret";
  EXPECT_EQ(error_of("[secrets]\nlaunchpad_token = { env = \"LP_T\" }\n"),
            "/etc/calico/bot.toml:2: secrets.launchpad_consumer_key: is not set, but the other Launchpad OAuth secrets are: set "
            "launchpad_consumer_key, launchpad_token and launchpad_token_secret together");
  EXPECT_EQ(error_of("[secrets]\nlaunchpad_token = \"written-here\"\n").find("written-here"), std::string::npos);
}
