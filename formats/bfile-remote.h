/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: remote byte source, a bfile (bfile.h) read over a network.
 *
 * The disk and config readers read a remote file exactly as a local one:
 * they get a struct bfile whose pread fetches byte ranges through a small
 * transport (HTTPS range GETs, SFTP reads: remote/ implements them; this
 * file knows no library).  On top of the transport this layer adds:
 *
 *   - a bounded block cache shared by the files of one source (so the
 *     small, repeated reads of the VMDK and filesystem metadata cost one
 *     request), with read-ahead that grows while access is sequential;
 *   - a pool of up to max_conns connections, so the copy engine's threads
 *     read in parallel (the transport's connection is used by one thread
 *     at a time);
 *   - an allocation map per file, when the transport can ask the host
 *     for one (ops->map, fetched once per file): bfile_extents reports
 *     its holes, and reads skip them (zeros are not fetched);
 *   - retries of transient failures (reset, timeout, 5xx) with exponential
 *     backoff on a new connection, resuming at the first byte not yet
 *     received; a request that gets `retries` failures in a row without
 *     progress fails with one line naming the file and the last error;
 *   - counters (bytes fetched, requests, retries) for progress and the
 *     --machine-readable events.
 *
 * Errors follow error.h; a failed fetch is EIO (exit 3, input unreadable)
 * unless the transport set something more precise.
 */
#ifndef V2K_BFILE_REMOTE_H
#define V2K_BFILE_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bfile.h"

/* Return codes of the transport's calls below. */
#define REMOTE_OK 0
#define REMOTE_FAILED (-1)      /* permanent: set_error done, do not retry */
#define REMOTE_TRANSIENT (-2)   /* worth retrying: set_error says what */

/* What a transport provides.  tp is the transport's own state, given to
 * remote_new; conn is one of its connections.  Every call may run on any
 * thread; calls on one conn never overlap. */
struct remote_ops {
  /* Open a new connection.  NULL + set_error on failure; *transient
   * says whether to try again (connection refused or reset: yes;
   * certificate or authentication refused: no). */
  void *(*connect) (void *tp, bool *transient);

  /* Close a connection (also one that just failed).  Never fails. */
  void (*disconnect) (void *tp, void *conn);

  /* Size in bytes of the file called path (a name resolve() returned,
   * or the one given to remote_open).  REMOTE_OK, or an error code
   * (a missing file is REMOTE_FAILED with ENOENT). */
  int (*size) (void *tp, void *conn, const char *path, uint64_t *size);

  /* Read count bytes of path at offset into buf.  *done (0 on entry)
   * counts the bytes stored in buf from its start, also on failure, so
   * the caller resumes at offset + *done.  REMOTE_OK only when all
   * count bytes are there. */
  int (*read) (void *tp, void *conn, const char *path, void *buf,
               size_t count, uint64_t offset, size_t *done);

  /* Optional.  The allocation map of the file called path, whose size
   * is size: append its data ranges to out as EXT_DATA extents,
   * ascending and disjoint (what lies between them is a hole: reads as
   * zeros).  REMOTE_OK; REMOTE_FAILED when the host cannot tell (not an
   * error: the file is then read whole); REMOTE_TRANSIENT to retry.
   * Without it, every file is all data. */
  int (*map) (void *tp, void *conn, const char *path, uint64_t size,
              extent_list *out);

  /* The path of the file called name next to path (a VMDK extent or a
   * snapshot parent), as a new string, or NULL + set_error when the
   * transport cannot name it on the host.  Where the path may lead is
   * not its business: the remote source normalises it and applies the
   * reference rule (refs.h) itself. */
  char *(*resolve) (void *tp, const char *path, const char *name);

  /* Free tp, after every connection is closed.  Never fails. */
  void (*close) (void *tp);
};

/* Tunables; zero fields take the defaults in brackets. */
struct remote_params {
  unsigned max_conns;           /* connections in parallel [4] */
  size_t block_size;            /* cache block, a power of 2 [64 KiB] */
  size_t cache_blocks;          /* cache bound, >= max_conns [1024] */
  unsigned readahead;           /* most blocks per request [32] */
  unsigned retries;             /* failures in a row, no progress [5] */
  unsigned backoff_ms;          /* first retry delay, doubled [200] */
  unsigned backoff_max_ms;      /* longest retry delay [5000] */
};

struct remote_stats {
  uint64_t bytes_fetched;       /* payload bytes received */
  uint64_t requests;            /* read calls made */
  uint64_t retries;             /* transient failures retried */
  uint64_t cache_hits;          /* blocks served from the cache */
  uint64_t request_ns;          /* time spent in requests (summed over
                                 * threads) */
};

struct remote;

/* A remote source over ops/tp (ownership of tp passes: ops->close frees
 * it when the source and its last file are closed).  prefix is put
 * before paths in messages and bfile names ("esx://host/").  params
 * may be NULL.  Never fails. */
struct remote *remote_new (const struct remote_ops *ops, void *tp,
                           const char *prefix,
                           const struct remote_params *params);

/* Open the file called path as a bfile (its fd is -1; siblings resolve
 * through ops->resolve; the bfile keeps the source alive).  NULL +
 * set_error on failure. */
struct bfile *remote_open (struct remote *r, const char *path);

/* Read the whole file called path into a new NUL-terminated buffer, at
 * most max bytes (a larger file is EFBIG).  For small files (.vmx,
 * descriptors).  NULL + set_error. */
char *remote_slurp (struct remote *r, const char *path, size_t max,
                    size_t *len);

/* Counters so far (thread-safe snapshot). */
void remote_get_stats (struct remote *r, struct remote_stats *out);

/* The source behind a bfile opened by remote_open, or NULL for any
 * other bfile. */
struct remote *remote_of_bfile (const struct bfile *f);

/* Drop the caller's reference; the source is freed with its last file. */
void remote_unref (struct remote *r);

#endif /* V2K_BFILE_REMOTE_H */
