// Command-line entry: subcommands, their flags, help and exit codes.
#pragma once

#include <iosfwd>
#include <span>
#include <string>

namespace calico::cli {

// Exit codes, documented in the README and in --help.
enum ExitCode : int {
  kOk = 0,
  kFailure = 1,      // a runtime failure: cannot listen, cannot open the store, ...
  kUsage = 2,        // bad command line
  kBadConfig = 3,    // the configuration file is missing or invalid
  kPublishFailed = 4,  // publish: at least one job failed (each is named with its log)
  kWatchFailed = 5,    // lp-wait: the upload failed, was rejected, or was not published in time
};

int run(std::span<char*> args, std::ostream& out, std::ostream& err);

}  // namespace calico::cli
