// Waiting on a condition instead of sleeping a fixed time: true as soon as `condition` holds,
// false once `timeout` passed without it. Checks every few milliseconds.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace calico::testkit {

inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace calico::testkit
