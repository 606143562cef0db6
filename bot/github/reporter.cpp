#include "bot/github/reporter.hpp"

#include "bot/github/build_report.hpp"
#include "bot/log/log.hpp"

namespace calico::github {

namespace {
constexpr auto kIdleWake = std::chrono::seconds(2);
}

Reporter::Reporter(store::Store& store, const config::Config& config) : store_(store), config_(config) {}

Reporter::~Reporter() { stop(); }

void Reporter::start() {
  thread_ = std::thread([this] {
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, kIdleWake, [&] { return stopping_ || pending_; });
        if (stopping_) return;
        pending_ = false;
      }
      try {
        report_pending();
      } catch (const std::exception& e) {
        log::error("github.report_failed", {{"error", e.what()}});
      }
    }
  });
}

void Reporter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void Reporter::notify() {
  std::lock_guard lock(mutex_);
  pending_ = true;
  wake_.notify_all();
}

std::size_t Reporter::report_pending() {
  const std::string status_page = config_.server.status_page_url();
  const std::size_t queued = store_.call([&](store::Database& db) {
    std::size_t count = 0;
    for (const std::int64_t id : store::builds_to_report(db)) {
      BuildFacts facts;
      facts.build = *store::find_build(db, id);
      facts.steps = store::build_steps(db, id);
      facts.origin = store::build_origin(db, id);
      facts.sources = store::build_sources(db, id);
      facts.status_page = status_page;
      for (const store::OutboxMessage& message : build_report(facts)) count += store::enqueue_outbox(db, message);
      store::mark_reported(db, id, facts.build.state);
    }
    return count;
  });
  if (queued > 0) {
    log::debug("github.reported", {{"messages", queued}});
    if (on_queued_) on_queued_();
  }
  return queued;
}

}  // namespace calico::github
