// `calico-release-bot status`: the queue, the running builds with their jobs, and recent builds,
// read from the store (safe while the service runs: SQLite in WAL mode lets readers in).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>

#include "config/config.hpp"

namespace calico::cli {

// `calico-release-bot cancel --build ID`: asks the running service to cancel a running build.
int run_cancel(const config::Config& config, std::int64_t build, std::ostream& out, std::ostream& err);

int run_status(const config::Config& config, std::optional<std::int64_t> build, std::ostream& out, std::ostream& err);

}  // namespace calico::cli
