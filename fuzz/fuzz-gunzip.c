/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: gzip-compressed OVA members (ovf:compression="gzip"):
 * ova_gunzip_member on the input as the member, with the cap disk-ova.c
 * derives from the disk's declared capacity (the first input byte times
 * 64 KiB, as an OVF would declare it), then the decompressed copy read
 * back. */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include "bfile.h"
#include "checked.h"
#include "error.h"
#include "fuzz.h"
#include "archive-ova.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path;
  struct bfile *f, *out;
  uint8_t buf[4096];
  uint64_t max;

  if (size < 1)
    return 0;
  path = fuzz_write_files (data + 1, size - 1, "disk.vmdk.gz");
  max = ova_gunzip_limit (path, (int64_t) data[0] << 16);
  f = bfile_open (path);
  if (!f) {
    fuzz_check_error ("bfile_open");
    return 0;
  }
  out = ova_gunzip_member (f, max);     /* takes f */
  if (!out) {
    fuzz_check_error ("ova_gunzip_member");
    return 0;
  }
  if (out->size > max)
    abort ();
  if (out->size > 0 &&
      bfile_pread (out, buf, MIN (out->size, sizeof buf), 0) == -1)
    fuzz_check_error ("pread");
  bfile_close (out);
  clear_error ();
  return 0;
}
