// poller-bench: the cost of one poll of one repository — libgit2's ls-remote as the pollers do it
// — against the same check with the `git ls-remote` command, measured in one run, alternating.
// The repository is a local one shaped like Felix's refs: master, release branches and tags.
//
//   poller-bench [--tags N] [--rounds R]
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "builders/git/ls_remote.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/git_fixture.hpp"
#include "tests/support/process.hpp"

using namespace calico;

int main(int argc, char** argv) {
  int tags = 300;
  int rounds = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--tags") tags = std::stoi(argv[i + 1]);
    else if (arg == "--rounds") rounds = std::stoi(argv[i + 1]);
    else {
      std::cerr << "usage: poller-bench [--tags N] [--rounds R]\n";
      return 2;
    }
  }
  testkit::ScratchDir dir;
  testkit::GitFixture repo(dir.path() / "felix");
  for (int i = 0; i < tags; ++i) {
    if (i % 25 == 0) repo.commit("VERSION", std::to_string(i) + "\n", "Release line " + std::to_string(i));
    repo.tag("v3." + std::to_string(i / 10) + "." + std::to_string(i % 10), /*annotated=*/i % 2 == 0);
    if (i % 50 == 0) repo.branch("release-v3." + std::to_string(i / 10));
  }
  const std::string url = repo.path().string();
  std::size_t refs = 0;
  double libgit2_seconds = 0;
  double command_seconds = 0;
  for (int round = 0; round < rounds; ++round) {
    auto started = std::chrono::steady_clock::now();
    refs = builders::git::ls_remote(url).size();
    libgit2_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    started = std::chrono::steady_clock::now();
    const auto result = testkit::run_process({"/usr/bin/git", "ls-remote", "--heads", "--tags", url}, dir.path());
    command_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (result.exit_code != 0) {
      std::cerr << result.output;
      return 1;
    }
  }
  std::printf("refs=%zu rounds=%d libgit2_ms=%.2f git_ls_remote_ms=%.2f ratio=%.2f connections_per_poll=1\n", refs, rounds,
              1000 * libgit2_seconds / rounds, 1000 * command_seconds / rounds, command_seconds / libgit2_seconds);
  return 0;
}
