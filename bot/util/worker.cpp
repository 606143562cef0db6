#include "bot/util/worker.hpp"

#include "bot/log/log.hpp"

namespace calico::util {

Worker::Worker(std::string name, std::chrono::milliseconds idle, std::function<void()> pass)
    : name_(std::move(name)), idle_(idle), pass_(std::move(pass)) {}

Worker::~Worker() { stop(); }

void Worker::start() {
  thread_ = std::thread([this] { run(); });
}

void Worker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void Worker::notify() {
  std::lock_guard lock(mutex_);
  pending_ = true;
  wake_.notify_all();
}

bool Worker::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

bool Worker::sleep_until(std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_until(lock, until, [&] { return stopping_; });
}

void Worker::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, idle_, [&] { return stopping_ || pending_; });
      if (stopping_) return;
      pending_ = false;
    }
    try {
      pass_();
    } catch (const std::exception& e) {
      log::error(name_ + ".pass_failed", {{"error", e.what()}});
    }
  }
}

}  // namespace calico::util
