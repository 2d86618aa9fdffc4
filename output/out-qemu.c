/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: -o qemu: the disks as for -o local, plus NAME.sh, a script that
 * boots the converted guest with qemu directly (no libvirt).  The script
 * text is built by the pipeline from the guest record and capabilities;
 * this output only places it. */
#include <config.h>

#include "cleanup.h"
#include "output.h"
#include "xalloc.h"

static int
qemu_prepare (struct output *o, const char *guest_name, size_t n,
              struct output_target *t, uint64_t estimated)
{
  return output_dir_prepare (o, guest_name, n, t, estimated, ".sh");
}

static int
qemu_finalize (struct output *o, const char *guest_name, size_t n,
               struct output_target *t, const char *xml, const char *script)
{
  CLEANUP_FREE char *sh = xasprintf ("%s/%s.sh", output_dir (o),
                                     guest_name);

  return output_write_file (sh, script, 0755);
}

const struct output_driver qemu_output = {
  .name     = "qemu",
  .prepare  = qemu_prepare,
  .finalize = qemu_finalize,
  .abort    = output_dir_abort,
};
