/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: what `v2kvm convert` tells its user, as it goes.
 *
 * Two audiences, never mixed (like progress.h):
 *  - a person: one line per phase on stdout, "[  12.3] Converting the
 *    guest", a progress bar while copying when stderr is a terminal, and
 *    a summary on stdout at the end; -q keeps only errors and warnings;
 *  - a program (--machine-readable): JSON lines on stdout, schema
 *    version 1 in docs/machine-readable.md ("v2kvm convert").
 */
#ifndef V2K_CONVERT_REPORT_H
#define V2K_CONVERT_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "copy.h"
#include "fixup.h"

/* The phases, in pipeline order (convert.h). */
enum phase {
  PHASE_SOURCE, PHASE_PREFLIGHT, PHASE_SERVE, PHASE_FIXUP, PHASE_COPY,
  PHASE_METADATA, NR_PHASES
};

/* Per-disk facts for the summary. */
struct report_disk {
  const char *source;           /* what was read */
  const char *target;           /* where it went (NULL for -o null) */
  uint64_t size;                /* virtual */
  struct copy_stats st;
  uint64_t output_bytes;        /* st_blocks of the output */
};

struct report;

/* Start: the start line (machine) and install the warning hook.  Never
 * fails. */
struct report *report_new (bool machine, const char *input_type,
                           const char *source, const char *output_type);

/* Enter phase p (ending the previous one); what: one line for people
 * ("Copying disk 1/2 to ..."). */
void report_phase (struct report *r, enum phase p, const char *what);

/* The files the output will create (NULL entries, -o null, skipped),
 * once it is prepared: a "targets" JSON line, so that a caller that
 * loses this process (batch after a crash) knows what to remove. */
void report_targets (struct report *r, char *const *paths, size_t n);

/* Seconds spent in each phase so far (out[NR_PHASES]). */
void report_seconds (const struct report *r, double *out);

/* Copy progress of disk index (0-based) of n: a copy_progress_fn whose
 * opaque is the report; set the disk with report_disk_start first. */
void report_disk_start (struct report *r, unsigned index, unsigned n);
void report_progress (void *opaque, uint64_t done, uint64_t total);

/* The source is read over the network: fetched() returns the bytes
 * received so far (thread-safe); progress then shows the network rate
 * and the machine-readable progress and result lines carry
 * "fetched_bytes". */
void report_set_network (struct report *r, uint64_t (*fetched) (void *),
                         void *opaque);

/* The end: summary (people) or the change lines and the result line
 * (machine), error line first when exit_code != 0.  fx may be NULL
 * (no fixup ran), disks NULL when nothing was copied.  Frees r. */
void report_end (struct report *r, int exit_code,
                 const struct fixup_result *fx, const char *guest_name,
                 const struct report_disk *disks, unsigned ndisks,
                 const char *metadata);

#endif /* V2K_CONVERT_REPORT_H */
