/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the copy engine: one block source into one disk writer.
 *
 * See copy.c for how it works (HACKING.md "Data flow").
 */
#ifndef V2K_COPY_H
#define V2K_COPY_H

#include <stdint.h>

#include "blk.h"
#include "writer.h"

/* Called after each chunk is written, by the thread that wrote it (one
 * at a time; done and total in
 * bytes of source data read), and once more at the end. */
typedef void (*copy_progress_fn) (void *opaque, uint64_t done,
                                  uint64_t total);

struct copy_options {
  unsigned threads;             /* worker threads; 0 = online cores */
  size_t chunk_size;            /* bytes per work item; 0 = default */
  copy_progress_fn progress;    /* may be NULL */
  void *progress_opaque;
};

struct copy_stats {
  uint64_t size;                /* virtual size */
  uint64_t total;               /* bytes the allocation map says to read */
  uint64_t read;                /* bytes read from the source */
  uint64_t written;             /* bytes of data handed to the writer */
  uint64_t zero;                /* read, found all zero, not written */
  uint64_t skipped;             /* never read: holes and zero extents */
  double seconds;
};

/* Copy src into w: every DATA range is read (in worker threads) and
 * written in ascending order; holes, zero extents and all-zero blocks
 * are left to the writer's zero init.  Polls check_interrupted().  Does
 * not finish or abort w: the caller does (writer_finish on success,
 * writer_abort on failure).  stats may be NULL.  0, or -1 + set_error
 * (an input error keeps its kind; output errors are V2K_ERR_OUTPUT;
 * SIGINT/SIGTERM is V2K_ERR_INTERRUPTED). */
int copy_disk (struct blk *src, struct writer *w,
               const struct copy_options *opts, struct copy_stats *stats);

/* Seconds on the monotonic clock (for rates and durations). */
double copy_now (void);

#endif /* V2K_COPY_H */
