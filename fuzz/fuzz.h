/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: what every harness shares (see docs/fuzzing.md).
 *
 * Each harness defines LLVMFuzzerTestOneInput and drives the same entry
 * point the program uses (blk_open, cfg_read, tar_open, ...).  It is
 * linked either with libFuzzer (make fuzz: clang -fsanitize=fuzzer) or
 * with replay.c, a plain main() that feeds it files (the regression
 * replay under the normal ASan+UBSan build).
 *
 * Multi-file inputs: an input may carry sibling files after a separator
 * line "\n@@FILE NAME\n" (NAME: 1-64 characters of [A-Za-z0-9._-], not
 * starting with a dot).  fuzz_write_files() writes the first part as the
 * harness's main file and each later part as NAME, all in a private
 * scratch directory, so the references a parser follows (VMDK extents,
 * parents, OVF hrefs, manifests) resolve there.
 */
#ifndef V2K_FUZZ_H
#define V2K_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_SEP "\n@@FILE "

/* The harness entry point (libFuzzer's, or replay.c calls it). */
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The scratch directory of this process (created on first use). */
const char *fuzz_scratch (void);

/* Empty the scratch directory, then write data as main_name plus the
 * sibling parts it carries.  Returns the main file's path (static
 * storage, valid until the next call). */
const char *fuzz_write_files (const uint8_t *data, size_t size,
                              const char *main_name);

/* Once per process: quiet warnings, TMPDIR into the scratch directory. */
void fuzz_init (void);

/* After an entry point failed: the error must be one line naming
 * something, and not an out-of-memory (sizes from the input are capped
 * before allocating).  Aborts otherwise.  With FUZZ_VERBOSE set in the
 * environment, prints the error (to see what a replayed input reaches). */
void fuzz_check_error (const char *where);

/* Walk the extent map of b and read the start of each allocated extent
 * (at most a few MiB per input), plus reads at the middle and the end,
 * checking every error. */
struct blk;
void fuzz_walk_blk (struct blk *b);

#endif /* V2K_FUZZ_H */
