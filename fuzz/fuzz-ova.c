/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: OVA appliances (tar, or .ovf with files beside it) as
 * `source show`, `verify` and `disk convert` read them:
 * archive_read_guest (the OVF inside), ova_verify (manifest), and the
 * "ova" block driver (manifest check, disk chosen from the OVF, gzip
 * members, the disk inside walked and read). */
#include <config.h>

#include <stdint.h>

#include "archive.h"
#include "blk.h"
#include "error.h"
#include "fuzz.h"
#include "guest.h"

#ifndef FUZZ_MAIN
#define FUZZ_MAIN "guest.ova"
#endif

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fuzz_write_files (data, size, FUZZ_MAIN);
  struct guest *g = NULL;
  struct blk_open_options opts = { .format = "ova" };
  struct blk *b;

  if (archive_read_guest (path, &g) == -1)
    fuzz_check_error ("archive_read_guest");
  else
    guest_free (g);
  if (ova_verify (path, NULL, NULL) == -1)
    fuzz_check_error ("ova_verify");
  b = blk_open (path, &opts);
  if (!b)
    fuzz_check_error ("open");
  else {
    fuzz_walk_blk (b);
    blk_close (b);
  }
  clear_error ();
  return 0;
}
