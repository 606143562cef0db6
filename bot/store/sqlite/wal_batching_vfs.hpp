// A SQLite VFS over the default one that writes a commit's WAL frames to the file in one write.
//
// SQLite writes each WAL frame as two writes (its 24-byte header, then the page): a commit of 13
// pages is 26 `pwrite` calls, then the `fdatasync`. This VFS keeps a WAL file's contiguous writes
// in memory and hands them to the default VFS as one write when SQLite syncs the file (or reads
// it, asks its size, truncates it or closes it, or the run reaches kMaxBatchedBytes). Every other
// file, and every lock, is the default VFS's own.
//
// Why that is safe: nothing is acknowledged before the commit's sync, and the writes reach the
// file before the sync does; other connections see a commit only through the WAL index, which
// SQLite updates after that sync when synchronous=FULL, which every store connection sets
// (Connection's constructor). A crash loses the same as it would have lost without it: frames not
// yet synced, which SQLite's recovery ignores anyway.
#pragma once

namespace calico::store::sqlite {

// The VFS's name for sqlite3_open_v2, registered (not as the default) on first use.
const char* wal_batching_vfs();

}  // namespace calico::store::sqlite
