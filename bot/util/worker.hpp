// The loop every background part of the service runs: one thread that does a pass when woken
// (something was queued) and at least every `idle` interval (work another process left, or rows
// that became due), until stopped. A pass that throws is logged and the loop goes on.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace calico::util {

class Worker {
 public:
  // `name` goes into the log line of a failed pass ("<name>.pass_failed").
  Worker(std::string name, std::chrono::milliseconds idle, std::function<void()> pass);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();  // the first pass runs at once
  void stop();   // finishes the pass in hand
  void notify();
  bool stopping() const;
  // Sleeps until `until`, or less if stopped: false then.
  bool sleep_until(std::chrono::steady_clock::time_point until);

 private:
  void run();

  std::string name_;
  std::chrono::milliseconds idle_;
  std::function<void()> pass_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = true;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace calico::util
