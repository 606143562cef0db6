// publish-bench: wall time of a full fixture publish (VERSION=v3.4.1, the whole default matrix:
// 21 jobs through dpkg-buildpackage, rpmbuild, gpg, dput and createrepo_c) with jobs in parallel,
// against the same plan one job at a time, measured in one run. Each run starts from empty output
// directories so both do the same work.
//
//   publish-bench [--parallel N] [--rounds R]
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "tests/support/calico_fixtures.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/gpg_fixture.hpp"
#include "tests/support/process.hpp"

using namespace calico;

namespace {

double publish_once(const std::filesystem::path& dir, const testkit::CalicoFixtures& fixtures,
                    const testkit::GpgFixture& key, int parallel, const std::string& name) {
  const auto root = dir / name;
  std::filesystem::remove_all(root);
  testkit::write_file(root / "bot.toml", "[log]\nlevel = \"warn\"\n[publish]\nparallel_jobs = " + std::to_string(parallel) +
                                             "\nwork_dir = \"work\"\nmirror_dir = \"../mirrors\"\ndput_method = \"local\"\n"
                                             "dput_incoming = \"ppa/{owner}/{repo}\"\nrpm_root = \"rpm-host\"\n" +
                                             testkit::fixture_repositories_toml(fixtures) + testkit::kDefaultPlatformsBuiltOnHost);
  const auto started = std::chrono::steady_clock::now();
  const testkit::RunResult result = testkit::run_process(
      {CALICO_BOT_BINARY, "publish", "--config", (root / "bot.toml").string(), "--version", "v3.4.1", "--secret-key",
       key.secret_key.string()},
      root);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (result.exit_code != 0) {
    std::cerr << "publish failed:\n" << result.output;
    std::exit(1);
  }
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  int parallel = 2;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--parallel") parallel = std::stoi(argv[i + 1]);
    else if (arg == "--rounds") rounds = std::stoi(argv[i + 1]);
    else {
      std::cerr << "usage: publish-bench [--parallel N] [--rounds R]\n";
      return 2;
    }
  }
  testkit::ScratchDir dir;
  const testkit::CalicoFixtures fixtures = testkit::make_calico_fixtures(dir.path() / "upstream");
  const testkit::GpgFixture key = testkit::make_gpg_key(dir.path() / "key");
  publish_once(dir.path(), fixtures, key, parallel, "warm-up");  // fills the git mirrors for both sides
  double sequential = 0;
  double concurrent = 0;
  for (int round = 0; round < rounds; ++round) {  // interleaved, so drift hits both sides alike
    sequential += publish_once(dir.path(), fixtures, key, 1, "sequential");
    concurrent += publish_once(dir.path(), fixtures, key, parallel, "parallel");
  }
  std::printf("jobs=21 rounds=%d one_at_a_time_s=%.2f parallel_%d_s=%.2f speedup=%.2f\n", rounds, sequential / rounds,
              parallel, concurrent / rounds, sequential / concurrent);
  std::filesystem::remove_all(key.verify_home);
  return 0;
}
