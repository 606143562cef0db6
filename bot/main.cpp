#include <csignal>
#include <iostream>
#include <span>

#include "bot/cli/cli.hpp"

int main(int argc, char** argv) {
  // A peer that hangs up must cost us an error code on that socket, never the process.
  std::signal(SIGPIPE, SIG_IGN);
  return calico::cli::run(std::span<char*>(argv, static_cast<std::size_t>(argc)), std::cout, std::cerr);
}
