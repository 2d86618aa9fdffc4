/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: initramfs images as the Debian fixup patches them:
 * initramfs_parse (early cpio segments, gzip/zstd main archive), a
 * lookup, an added file, a removal, and initramfs_write back. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "error.h"
#include "fuzz.h"
#include "initramfs.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct initramfs ird;
  uint8_t *out = NULL;
  size_t out_len;

  fuzz_init ();
  if (initramfs_parse ("initrd.img", data, size, &ird) == -1) {
    fuzz_check_error ("initramfs_parse");
    return 0;
  }
  initramfs_find (&ird, "usr/lib/modules");
  initramfs_remove (&ird, "etc/modules");
  if (initramfs_put (&ird, "etc/modprobe.d/virtio.conf", 0644,
                     "options virtio x\n", 17) == -1)
    fuzz_check_error ("initramfs_put");
  if (initramfs_write (&ird, 1, &out, &out_len) == -1)
    fuzz_check_error ("initramfs_write");
  free (out);
  initramfs_free (&ird);
  clear_error ();
  return 0;
}
