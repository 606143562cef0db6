#include "bot/util/file_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace calico::util {

std::size_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  const rlim_t ceiling = 1048576;
  const rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? ceiling : std::min(limit.rlim_max, ceiling);
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur < wanted) {
    rlimit raised = limit;
    raised.rlim_cur = wanted;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? static_cast<std::size_t>(ceiling) : static_cast<std::size_t>(limit.rlim_cur);
}

std::size_t connections_within(std::size_t limit, std::size_t wanted) {
  // The store, logs, mirrors, subprocess pipes and the listener: keep 64 (or half of a tiny limit).
  const std::size_t reserve = std::min<std::size_t>(64, limit / 2);
  return std::max<std::size_t>(1, std::min(wanted, limit - reserve));
}

}  // namespace calico::util
