/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: OVA manifests (.mf): manifest_read of the input as
 * "guest.mf" and manifest_verify of every entry against the sibling files
 * the input carries (fuzz.h), as the OVA driver checks them. */
#include <config.h>

#include <stdint.h>

#include "bfile.h"
#include "error.h"
#include "fuzz.h"
#include "archive-manifest.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fuzz_write_files (data, size, "guest.mf");
  struct bfile *f = bfile_open (path);
  struct manifest *mf;

  if (!f) {
    fuzz_check_error ("bfile_open");
    return 0;
  }
  mf = manifest_read (f);
  if (!mf)
    fuzz_check_error ("manifest_read");
  else {
    if (manifest_verify (mf, f, NULL, NULL, NULL) == -1)
      fuzz_check_error ("manifest_verify");
    manifest_free (mf);
  }
  bfile_close (f);
  clear_error ();
  return 0;
}
