// Test entry point: quiet logs (set CALICO_TEST_LOG=debug to see them), then GoogleTest.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <string_view>

#include "bot/log/log.hpp"

int main(int argc, char** argv) {
  const char* level = std::getenv("CALICO_TEST_LOG");
  calico::log::configure(level && std::string_view(level) == "debug" ? calico::log::Level::debug : calico::log::Level::error,
                         calico::config::LogFormat::logfmt);
  // A test's client writing to a server that just closed (or was killed) gets EPIPE, not a silent
  // end of the whole test program.
  std::signal(SIGPIPE, SIG_IGN);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
