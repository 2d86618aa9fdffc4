/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: progress reporting and machine-readable output.
 *
 * Two audiences, never mixed:
 *  - a person at a terminal: a one-line progress bar on stderr, only when
 *    stderr is a TTY and not -q;
 *  - a program (--machine-readable): JSON lines on stdout, schema in
 *    docs/machine-readable.md (version MR_VERSION): start, progress (at
 *    most 2 a second), warning (through warning_hook), error, and always
 *    a final result line.
 */
#ifndef V2K_PROGRESS_H
#define V2K_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "copy.h"

#define MR_VERSION 1

struct progress;

/* machine: JSON lines on stdout (and warnings through warning_hook);
 * otherwise a bar on stderr if it is a terminal.  Never fails. */
struct progress *progress_new (bool machine);

/* A copy_progress_fn: opaque is the struct progress. */
void progress_update (void *opaque, uint64_t done, uint64_t total);

/* Machine-readable only: the start line, naming what is copied.  Call
 * it first, before anything can warn. */
void progress_start (struct progress *p, const char *command,
                     const char *input, const char *output,
                     const char *format);

/* End of the run: clears the bar; with machine output prints the error
 * line (if exit_code != 0, with the current error message) and the
 * result line.  stats may be NULL (failure before copying).  Frees p and
 * removes the warning hook.  NULL-safe. */
void progress_end (struct progress *p, int exit_code,
                   const struct copy_stats *stats, uint64_t output_bytes);

/* v as "12.3 MiB" (binary units) in buf; returns buf. */
const char *progress_human (double v, char *buf, size_t len);

#endif /* V2K_PROGRESS_H */
