#include "bot/store/sqlite/wal_batching_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <new>
#include <string>

namespace calico::store::sqlite {

namespace {

constexpr const char* kVfsName = "calico-wal-batching";
// A transaction bigger than this (a migration, a retention sweep) is written as it goes.
constexpr std::size_t kMaxBatchedBytes = 4u << 20;
// The default VFS writes at most 128 KiB - 1 per call (it masks the length), so a batch goes to it
// in pieces below that.
constexpr std::size_t kWritePiece = 64u << 10;

sqlite3_vfs* g_base = nullptr;
sqlite3_vfs g_vfs{};

// What SQLite allocates per open file (szOsFile): this header, then the default VFS's own file.
struct BatchingFile {
  sqlite3_file head;  // first: SQLite sees a sqlite3_file
  sqlite3_file* real;
  bool wal;
  std::string pending;  // contiguous bytes not yet written, starting at pending_offset
  sqlite3_int64 pending_offset;
};

BatchingFile* as_batching(sqlite3_file* file) { return reinterpret_cast<BatchingFile*>(file); }

int write_pending(BatchingFile* file) {
  int rc = SQLITE_OK;
  for (std::size_t done = 0; done < file->pending.size() && rc == SQLITE_OK;) {
    const std::size_t piece = std::min(kWritePiece, file->pending.size() - done);
    rc = file->real->pMethods->xWrite(file->real, file->pending.data() + done, static_cast<int>(piece),
                                      file->pending_offset + static_cast<sqlite3_int64>(done));
    done += piece;
  }
  // On failure the bytes are dropped as a failed write would have dropped them: SQLite treats
  // the transaction's frames as never written and rolls back.
  file->pending.clear();
  return rc;
}

int file_close(sqlite3_file* f) {
  BatchingFile* file = as_batching(f);
  const int written = write_pending(file);
  const int rc = file->real->pMethods ? file->real->pMethods->xClose(file->real) : SQLITE_OK;
  file->pending.~basic_string();
  return written != SQLITE_OK ? written : rc;
}

int file_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  BatchingFile* file = as_batching(f);
  if (const int rc = write_pending(file); rc != SQLITE_OK) return rc;
  return file->real->pMethods->xRead(file->real, out, amount, offset);
}

int file_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  BatchingFile* file = as_batching(f);
  if (!file->wal) return file->real->pMethods->xWrite(file->real, data, amount, offset);
  const bool follows = offset == file->pending_offset + static_cast<sqlite3_int64>(file->pending.size());
  if (!file->pending.empty() && (!follows || file->pending.size() + static_cast<std::size_t>(amount) > kMaxBatchedBytes)) {
    // An overwrite (SQLite rewrites a frame of the same transaction) or a large transaction:
    // what came before goes to the file first, so writes land in SQLite's order.
    if (const int rc = write_pending(file); rc != SQLITE_OK) return rc;
  }
  if (file->pending.empty()) file->pending_offset = offset;
  try {
    file->pending.append(static_cast<const char*>(data), static_cast<std::size_t>(amount));
  } catch (const std::bad_alloc&) {
    return SQLITE_IOERR_NOMEM;
  }
  return SQLITE_OK;
}

int file_truncate(sqlite3_file* f, sqlite3_int64 size) {
  BatchingFile* file = as_batching(f);
  if (const int rc = write_pending(file); rc != SQLITE_OK) return rc;
  return file->real->pMethods->xTruncate(file->real, size);
}

int file_sync(sqlite3_file* f, int flags) {
  BatchingFile* file = as_batching(f);
  if (const int rc = write_pending(file); rc != SQLITE_OK) return rc;
  return file->real->pMethods->xSync(file->real, flags);
}

int file_size(sqlite3_file* f, sqlite3_int64* size) {
  BatchingFile* file = as_batching(f);
  if (const int rc = write_pending(file); rc != SQLITE_OK) return rc;
  return file->real->pMethods->xFileSize(file->real, size);
}

int file_lock(sqlite3_file* f, int level) { return as_batching(f)->real->pMethods->xLock(as_batching(f)->real, level); }
int file_unlock(sqlite3_file* f, int level) {
  return as_batching(f)->real->pMethods->xUnlock(as_batching(f)->real, level);
}
int file_check_reserved_lock(sqlite3_file* f, int* out) {
  return as_batching(f)->real->pMethods->xCheckReservedLock(as_batching(f)->real, out);
}
int file_control(sqlite3_file* f, int op, void* arg) {
  return as_batching(f)->real->pMethods->xFileControl(as_batching(f)->real, op, arg);
}
int file_sector_size(sqlite3_file* f) { return as_batching(f)->real->pMethods->xSectorSize(as_batching(f)->real); }
int file_device_characteristics(sqlite3_file* f) {
  return as_batching(f)->real->pMethods->xDeviceCharacteristics(as_batching(f)->real);
}
int file_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return as_batching(f)->real->pMethods->xShmMap(as_batching(f)->real, region, size, extend, out);
}
int file_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return as_batching(f)->real->pMethods->xShmLock(as_batching(f)->real, offset, n, flags);
}
void file_shm_barrier(sqlite3_file* f) { as_batching(f)->real->pMethods->xShmBarrier(as_batching(f)->real); }
int file_shm_unmap(sqlite3_file* f, int delete_flag) {
  return as_batching(f)->real->pMethods->xShmUnmap(as_batching(f)->real, delete_flag);
}
int file_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  BatchingFile* file = as_batching(f);
  if (const int rc = write_pending(file); rc != SQLITE_OK) return rc;
  return file->real->pMethods->xFetch(file->real, offset, amount, out);
}
int file_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return as_batching(f)->real->pMethods->xUnfetch(as_batching(f)->real, offset, page);
}

// Version 3 of the methods (with xFetch/xUnfetch): what the default unix VFS offers. A real file
// offering fewer is given those methods of its own instead (open_file).
const sqlite3_io_methods kMethods = {
    3,
    file_close,
    file_read,
    file_write,
    file_truncate,
    file_sync,
    file_size,
    file_lock,
    file_unlock,
    file_check_reserved_lock,
    file_control,
    file_sector_size,
    file_device_characteristics,
    file_shm_map,
    file_shm_lock,
    file_shm_barrier,
    file_shm_unmap,
    file_fetch,
    file_unfetch,
};

int open_file(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  BatchingFile* file = as_batching(f);
  file->head.pMethods = nullptr;
  file->real = reinterpret_cast<sqlite3_file*>(file + 1);
  file->wal = (flags & SQLITE_OPEN_WAL) != 0;
  file->pending_offset = 0;
  new (&file->pending) std::string();
  const int rc = g_base->xOpen(g_base, name, file->real, flags, out_flags);
  if (rc != SQLITE_OK || file->real->pMethods == nullptr) {
    // SQLite calls xClose only on a file whose pMethods is set: the string goes here.
    if (file->real->pMethods) file->real->pMethods->xClose(file->real);
    file->pending.~basic_string();
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  if (file->real->pMethods->iVersion < kMethods.iVersion) {
    // Not the unix VFS this was written against: the file is opened as the default VFS's own.
    file->real->pMethods->xClose(file->real);
    file->pending.~basic_string();
    return g_base->xOpen(g_base, name, f, flags, out_flags);
  }
  file->head.pMethods = &kMethods;
  return SQLITE_OK;
}

// The VFS's own methods take the VFS they were called on: the default one is passed on.
int vfs_delete(sqlite3_vfs*, const char* name, int sync_dir) { return g_base->xDelete(g_base, name, sync_dir); }
int vfs_access(sqlite3_vfs*, const char* name, int flags, int* out) { return g_base->xAccess(g_base, name, flags, out); }
int vfs_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return g_base->xFullPathname(g_base, name, size, out);
}
void* vfs_dl_open(sqlite3_vfs*, const char* name) { return g_base->xDlOpen(g_base, name); }
void vfs_dl_error(sqlite3_vfs*, int size, char* out) { g_base->xDlError(g_base, size, out); }
void (*vfs_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) { return g_base->xDlSym(g_base, handle, symbol); }
void vfs_dl_close(sqlite3_vfs*, void* handle) { g_base->xDlClose(g_base, handle); }
int vfs_randomness(sqlite3_vfs*, int size, char* out) { return g_base->xRandomness(g_base, size, out); }
int vfs_sleep(sqlite3_vfs*, int microseconds) { return g_base->xSleep(g_base, microseconds); }
int vfs_current_time(sqlite3_vfs*, double* out) { return g_base->xCurrentTime(g_base, out); }
int vfs_get_last_error(sqlite3_vfs*, int size, char* out) { return g_base->xGetLastError(g_base, size, out); }
int vfs_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) { return g_base->xCurrentTimeInt64(g_base, out); }

}  // namespace

const char* wal_batching_vfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_initialize();
    g_base = sqlite3_vfs_find(nullptr);
    if (g_base == nullptr || g_base->iVersion < 2) return;  // then the default VFS is used (name below unknown)
    g_vfs.iVersion = 2;
    g_vfs.szOsFile = static_cast<int>(sizeof(BatchingFile)) + g_base->szOsFile;
    g_vfs.mxPathname = g_base->mxPathname;
    g_vfs.zName = kVfsName;
    g_vfs.xOpen = open_file;
    g_vfs.xDelete = vfs_delete;
    g_vfs.xAccess = vfs_access;
    g_vfs.xFullPathname = vfs_full_pathname;
    g_vfs.xDlOpen = vfs_dl_open;
    g_vfs.xDlError = vfs_dl_error;
    g_vfs.xDlSym = vfs_dl_sym;
    g_vfs.xDlClose = vfs_dl_close;
    g_vfs.xRandomness = vfs_randomness;
    g_vfs.xSleep = vfs_sleep;
    g_vfs.xCurrentTime = vfs_current_time;
    g_vfs.xGetLastError = vfs_get_last_error;
    g_vfs.xCurrentTimeInt64 = vfs_current_time_int64;
    sqlite3_vfs_register(&g_vfs, 0);
  });
  return g_base != nullptr && g_vfs.zName != nullptr ? kVfsName : nullptr;
}

}  // namespace calico::store::sqlite
