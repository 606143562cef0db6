// Turns build state changes into outbox messages (statuses and comments, see build_report.hpp).
// It looks when woken (a job changed state) and every couple of seconds, and writes the
// messages and the "reported" mark in one transaction: a crash reports nothing twice and
// forgets nothing.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>

#include "bot/store/store.hpp"
#include "config/config.hpp"

namespace calico::github {

class Reporter {
 public:
  Reporter(store::Store& store, const config::Config& config);
  ~Reporter();

  void on_queued(std::function<void()> callback) { on_queued_ = std::move(callback); }
  void start();
  void stop();
  void notify();

  // One pass; returns how many messages were newly queued.
  std::size_t report_pending();

 private:
  store::Store& store_;
  const config::Config& config_;
  std::function<void()> on_queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool pending_ = true;
  std::thread thread_;
};

}  // namespace calico::github
