/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: the disk readers, as `disk info` / `disk convert` drive
 * them: blk_open (FUZZ_FORMAT, or NULL to probe), then the extent map of
 * the whole disk and reads of its data (bounded, so a huge virtual disk
 * stays cheap).  The input is written as FUZZ_MAIN (e.g. "disk.vmdk")
 * with its sibling parts (fuzz.h), so extents and parents resolve in the
 * scratch directory.  Built once per format (fuzz/local.mk). */
#include <config.h>

#include <stdint.h>

#include "archive.h"
#include "blk.h"
#include "error.h"
#include "fuzz.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT NULL
#endif
#ifndef FUZZ_MAIN
#define FUZZ_MAIN "disk.img"
#endif

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fuzz_write_files (data, size, FUZZ_MAIN);
  /* OVA: the manifest is checked; references stay in the directory. */
  struct blk_open_options opts = { .format = FUZZ_FORMAT };
  struct blk *b = blk_open (path, &opts);

  if (!b) {
    fuzz_check_error ("open");
    return 0;
  }
  fuzz_walk_blk (b);
  blk_close (b);
  clear_error ();
  return 0;
}
