// Turns build state changes into outbox messages (statuses and comments, see build_report.hpp).
// It looks when woken (a job changed state) and every couple of seconds, and writes the
// messages and the "reported" mark in one transaction: a crash reports nothing twice and
// forgets nothing.
#pragma once

#include <cstddef>
#include <functional>

#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"
#include "bot/util/worker.hpp"
#include "config/config.hpp"

namespace calico::github {

class Reporter {
 public:
  Reporter(store::Store& store, const config::Config& config);
  ~Reporter();

  void on_queued(std::function<void()> callback) { on_queued_ = std::move(callback); }
  void start() { worker_.start(); }
  void stop() { worker_.stop(); }
  void notify() { worker_.notify(); }

  // One pass; returns how many messages were newly queued.
  std::size_t report_pending();

 private:
  store::Store& store_;
  std::unique_ptr<store::Repositories> data_;
  const config::Config& config_;
  std::function<void()> on_queued_;
  util::Worker worker_;
};

}  // namespace calico::github
