/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: a guest config reader (FUZZ_READER: vmx, xl,
 * libvirt-xml, ovf, xva), through cfg_read as `source show -i NAME`
 * calls it, from the file FUZZ_MAIN in the scratch directory. */
#include <config.h>

#include <stdint.h>

#include "cfg.h"
#include "error.h"
#include "fuzz.h"
#include "guest.h"

#ifndef FUZZ_READER
#define FUZZ_READER NULL
#endif
#ifndef FUZZ_MAIN
#define FUZZ_MAIN "guest.cfg"
#endif

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fuzz_write_files (data, size, FUZZ_MAIN);
  struct guest *g = NULL;

  if (cfg_read (FUZZ_READER, path, &g) == -1)
    fuzz_check_error ("cfg_read");
  else
    guest_free (g);
  clear_error ();
  return 0;
}
