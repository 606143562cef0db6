// One `serve` per SQLite store. Two processes serving one file would both resume and cancel the
// same builds, so the second refuses to start and names the first. The lock is an flock(2) on
// "<store>.lock", held for the life of the service: the kernel drops it when the process ends,
// however it ends, so a crash never leaves a stale lock. The file says who holds it.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace calico::store {

class InstanceLockError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InstanceLock {
 public:
  // Takes the lock of the store at `store_path`, or throws InstanceLockError naming who holds it.
  // An empty path takes nothing (a store replicas share).
  explicit InstanceLock(const std::filesystem::path& store_path);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

  // Lets go before destruction (the store is closed: another serve may open it).
  void release();

  static std::filesystem::path lock_file_of(const std::filesystem::path& store_path);

 private:
  int fd_ = -1;
};

}  // namespace calico::store
