// The process's open-file limit: every connection, log, git mirror and the store each take a
// file descriptor, and the shell's default soft limit (often 1024, sometimes 256) is far below
// what the kernel allows this process (the hard limit).
#pragma once

#include <cstddef>

namespace calico::util {

// Raises the soft RLIMIT_NOFILE to the hard limit (capped at a million); returns the soft limit
// now in force.
std::size_t raise_open_file_limit();

// How many connections fit in `limit` descriptors with room left for everything else.
std::size_t connections_within(std::size_t limit, std::size_t wanted);

}  // namespace calico::util
