#include "bot/service.hpp"

#include <unistd.h>

#include <csignal>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "bot/commands/runner.hpp"
#include "bot/github/client.hpp"
#include "bot/github/outbox_sender.hpp"
#include "bot/github/reporter.hpp"
#include "bot/http/client.hpp"
#include "bot/http/server.hpp"
#include "bot/launchpad/watcher.hpp"
#include "bot/builds/dispatcher.hpp"
#include "bot/poll/poller.hpp"
#include "bot/log/log.hpp"
#include "bot/maintenance/pruner.hpp"
#include "bot/metrics/metrics.hpp"
#include "bot/recovery/recovery.hpp"
#include "bot/routes.hpp"
#include "bot/store/repositories.hpp"
#include "bot/store/instance_lock.hpp"
#include "bot/store/store.hpp"
#include "bot/replicas/presence.hpp"
#include "bot/util/time_format.hpp"
#include "bot/util/file_limit.hpp"
#include "bot/webhook/intake.hpp"
#include "bot/webhook/processor.hpp"
#include "config/error.hpp"
#include "config/serving.hpp"
#include "builders/exec/process.hpp"
#include "builders/git/ls_remote.hpp"
#include "builders/sign/keyring.hpp"
#include "handlers/registry.hpp"

namespace calico {

namespace {
std::vector<config::Secret> webhook_secrets(const config::Config& config) {
  config::check_serving(config);  // the same check as check-config
  std::vector<config::Secret> secrets;
  secrets.push_back(config::load_secret(config.secrets.webhook_secret, "secrets.webhook_secret"));
  if (config.secrets.webhook_previous_secret.configured()) {
    secrets.push_back(config::load_secret(config.secrets.webhook_previous_secret, "secrets.webhook_previous_secret"));
  }
  return secrets;
}
// The credential's rate-limit governor, its pause read from the store and kept there.
std::shared_ptr<github::Governor> stored_governor(store::Store& store, const github::Credentials* credentials) {
  if (!credentials) return nullptr;
  const std::string credential = credentials->describe();
  std::optional<github::Pause> restored;
  std::shared_ptr<store::Repositories> data = store::stored_repositories(store);
  if (const auto kept = data->pauses().find(credential)) {
    if (const auto until = util::parse_iso8601(kept->paused_until)) restored = github::Pause{*until, kept->reason, kept->strikes};
  }
  if (restored && restored->until > util::system_now()) {
    log::info("github.pause_restored", {{"credentials", credential}, {"until", util::iso8601(restored->until)}, {"reason", restored->reason}});
  }
  return std::make_shared<github::Governor>(credential, restored, [data, credential](const github::Pause& pause) {
    data->pauses().save(credential, {util::iso8601(pause.until), pause.reason, pause.strikes});
  });
}

}  // namespace

struct Service::Impl {
  explicit Impl(config::Config c)
      : config(std::move(c)),
        // A store replicas share needs no lock of its own; a SQLite file takes one serve.
        instance_lock(store::shared_between_replicas(config.store) ? std::filesystem::path() : config.store.path),
        store(config::with_store_password(config)),
        processor(store, config, handlers::default_registry()),
        intake(webhook_secrets(config), store, metrics, [this] { processor.notify(); }, &processor),
        routes(config.server.webhook_path, intake, store, metrics, io),
        server(io, settings(), routes) {}

  http::ServerSettings settings() {
    http::ServerSettings s;
    s.address = config.server.listen_address;
    s.port = config.server.port;
    s.max_body_bytes = config.server.max_body_bytes;
    s.idle_timeout = config.server.idle_timeout;
    s.header_timeout = config.server.header_timeout;
    s.max_connections_per_client = static_cast<std::size_t>(config.server.max_connections_per_client);
    s.max_buffered_body_bytes = config.server.max_buffered_body_bytes;
    // Out of file descriptors the accept loop could only fail: take what the kernel allows, and
    // cap connections to fit it.
    const std::size_t files = util::raise_open_file_limit();
    const auto wanted = static_cast<std::size_t>(config.server.max_connections);
    s.max_connections = util::connections_within(files, wanted);
    log::info("service.limits", {{"open_files", files}, {"max_connections", s.max_connections}});
    if (s.max_connections < wanted) {
      log::warn("service.connections_lowered", {{"configured", wanted}, {"max_connections", s.max_connections},
                                                {"reason", "the open-file limit is " + std::to_string(files)}});
    }
    s.observe = [this](std::string_view path, int status, double seconds) {
      metrics.observe_request(routes.route_label(path), status, seconds);
    };
    return s;
  }

  config::Config config;
  metrics::Metrics metrics;
  // Before the store opens: a second serve on this store stops here, having changed nothing.
  store::InstanceLock instance_lock;
  store::Store store;
  replicas::Presence presence{store};
  // The Launchpad watcher follows every stored upload until its binaries are published.
  http::Client launchpad_http{launchpad::client_settings(config.launchpad)};
  launchpad::Client launchpad_client{config.launchpad.api_root, launchpad_http};
  launchpad::Watcher watcher{store, launchpad_client,
                             launchpad::watcher_settings(config.launchpad)};
  // The pollers: the safety net for webhooks GitHub never sent or never retried.
  handlers::Registry poll_registry = handlers::default_registry();
  poll::Poller poller{store, config, poll_registry};
  builds::Dispatcher dispatcher{store, config};
  // The GitHub conversation: commands from PR comments, statuses and comments back through the
  // outbox. Without GitHub credentials the outbox keeps what would have been sent.
  http::Client github_token_http{github::client_settings(config.github, 3)};
  std::shared_ptr<github::Credentials> github_credentials = github::make_credentials(config, github_token_http);
  // Reads and writes of one credential share GitHub's limits: one governor for both.
  std::shared_ptr<github::Governor> github_governor = stored_governor(store, github_credentials.get());
  std::unique_ptr<github::Client> github_reads = github::make_client(config.github, github_credentials, 3, github_governor);
  std::unique_ptr<github::Client> github_writes = github::make_client(config.github, github_credentials, 1, github_governor);
  commands::CommandRunner command_runner{store, config, github_reads.get(),
                                         [](const std::string& url) { return builders::git::ls_remote(url); }};
  // Deliveries GitHub could not make while the bot was down: asked for again, or their comments
  // re-read (the App's own webhook is read with its JWT).
  std::unique_ptr<github::Client> github_app = github::make_client(config.github, github::make_app_jwt_credentials(config), 3);
  recovery::DeliveryRecovery recovery{store, config, github_reads.get(), github_app.get()};
  github::Reporter reporter{store, config};
  github::OutboxSender outbox_sender{store, config.github, github_writes.get()};
  maintenance::Pruner pruner{store, config.store.retention_days};
  webhook::DeliveryProcessor processor;
  webhook::Intake intake;
  Routes routes;
  boost::asio::io_context io{config.server.threads};
  // Keeps the I/O threads alive while a request waits for the store (which is not an Asio
  // operation): without it io.run() returns the moment only such requests are left.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> keep_running;
  http::Server server;
  std::vector<std::thread> threads;
  bool started = false;
  bool stopped = false;
};

Service::Service(config::Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Service::~Service() { stop(); }

namespace {

// What a crash (kill -9, power loss) of an earlier bot left: its jobs' process groups (their
// guardians kill them when the bot dies, so these are what even that missed) and its GnuPG homes
// with the private key in them, and their agents. Only what belonged to bots no longer running.
void clean_up_after_crash(const config::Config& config) {
  // Per host: replicas on other machines may share work_dir, and their processes are not ours to judge.
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::filesystem::path records = config.publish.work_dir / ".processes" / host;
  const std::size_t groups = builders::exec::end_orphaned_processes(records);
  builders::exec::record_processes_in(records);
  const std::size_t homes = builders::sign::Keyring::remove_orphaned_homes();
  if (groups > 0 || homes > 0) {
    log::warn("service.crash_cleanup", {{"process_groups_killed", groups}, {"gnupg_homes_removed", homes},
                                        {"detail", "left by a bot that is no longer running"}});
  }
}

}  // namespace

void Service::start() {
  // Listening comes first: a start that cannot listen (the port taken) fails here, before any
  // build is resumed or anything in the store changes.
  impl_->server.start();
  clean_up_after_crash(impl_->config);
  // Registered before any worker claims anything in its name.
  impl_->presence.start();
  impl_->processor.on_processed([this](webhook::DeliveryProcessor::Left left) {
    if (left.builds) impl_->dispatcher.notify();
    if (left.commands) impl_->command_runner.notify();
    if (left.messages) impl_->outbox_sender.notify();  // command acknowledgements, tag statuses
  });
  impl_->command_runner.on_done([this] {
    impl_->dispatcher.notify();
    impl_->outbox_sender.notify();
  });
  impl_->recovery.on_recovered([this] { impl_->processor.notify(); });
  impl_->reporter.on_queued([this] { impl_->outbox_sender.notify(); });
  impl_->dispatcher.on_job([this](std::int64_t, const store::BuildJob&) { impl_->reporter.notify(); });
  impl_->poller.on_change([this] { impl_->dispatcher.notify(); });
  // Launchpad's verdict is the second half of every build's report.
  impl_->watcher.on_change([this](const store::LpWatch&, const store::LpWatch&) { impl_->reporter.notify(); });
  impl_->processor.start();
  impl_->command_runner.start();
  impl_->reporter.start();
  impl_->outbox_sender.start();
  impl_->watcher.start();
  impl_->poller.start();
  impl_->pruner.start();
  if (impl_->config.dispatch.enabled) impl_->dispatcher.start();
  impl_->keep_running.emplace(impl_->io.get_executor());
  for (int i = 0; i < impl_->config.server.threads; ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  impl_->started = true;
  // Once the server listens: what it asks GitHub to send again must find it answering.
  impl_->recovery.start();
  log::info("service.started", {{"address", impl_->config.server.listen_address}, {"port", impl_->server.port()},
                                {"webhook_path", impl_->config.server.webhook_path},
                                {"store", impl_->store.describe()}, {"replica", impl_->store.replica()},
                                {"repositories", impl_->config.repositories.size()}});
}

std::uint16_t Service::port() const { return impl_->server.port(); }

void Service::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  if (!impl_->started) {
    // start() failed (or never ran): nothing ran, so nothing is stopped or reported.
    impl_->store.stop();
    impl_->instance_lock.release();
    return;
  }
  {
    log::info("service.stopping", {{"open_connections", impl_->server.open_connections()}});
    impl_->server.shutdown();
    // Requests in flight hold work on the io_context; it returns once they are answered.
    const auto deadline = std::chrono::steady_clock::now() + impl_->config.server.shutdown_grace;
    while (impl_->server.open_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (impl_->server.open_connections() > 0) {
      log::warn("service.grace_expired", {{"open_connections", impl_->server.open_connections()}});
      impl_->server.close_all();
    }
    impl_->keep_running.reset();
    impl_->io.stop();
    for (std::thread& thread : impl_->threads) thread.join();
  }
  impl_->processor.stop();
  impl_->command_runner.stop();
  impl_->dispatcher.stop();
  impl_->reporter.report_pending();  // what the last jobs changed, before the store closes
  impl_->reporter.stop();
  impl_->outbox_sender.stop();
  impl_->poller.stop();
  impl_->pruner.stop();
  impl_->recovery.stop();
  impl_->launchpad_http.interrupt();  // a poll waiting between attempts stops waiting
  impl_->watcher.stop();
  impl_->presence.stop();  // its builds released: another replica takes them over at once
  impl_->store.stop();
  impl_->instance_lock.release();
  log::info("service.stopped");
}

void Service::run_until_signal() {
  // Block the signals in every thread we start, and wait for them here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  start();
  int received = 0;
  sigwait(&signals, &received);
  log::info("service.signal", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  stop();
}

}  // namespace calico
