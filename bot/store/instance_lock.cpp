#include "bot/store/instance_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bot/util/time_format.hpp"
#include "builders/files.hpp"

namespace calico::store {

std::filesystem::path InstanceLock::lock_file_of(const std::filesystem::path& store_path) {
  return store_path.string() + ".lock";
}

InstanceLock::InstanceLock(const std::filesystem::path& store_path) {
  if (store_path.empty()) return;  // a shared store: nothing to lock
  const std::filesystem::path file = lock_file_of(store_path);
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    throw InstanceLockError("cannot open the store's lock file " + file.string() + ": " + std::strerror(errno));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (error != EWOULDBLOCK) throw InstanceLockError("cannot lock " + file.string() + ": " + std::strerror(error));
    std::string holder = builders::read_whole_file(file).value_or("");
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    throw InstanceLockError("another calico-release-bot already serves the store " + store_path.string() + " (" +
                            (holder.empty() ? std::string("holder unknown") : holder) + ", lock " + file.string() +
                            "): stop it first; several replicas need the PostgreSQL store");
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::string holder = "pid " + std::to_string(::getpid()) + " on " + host + ", started " + util::utc_now_iso8601() + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] ssize_t written = ::pwrite(fd_, holder.data(), holder.size(), 0);
  }
}

InstanceLock::~InstanceLock() { release(); }

void InstanceLock::release() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
  fd_ = -1;
}

}  // namespace calico::store
