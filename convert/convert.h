/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm convert`, the whole conversion of one guest.
 *
 * The pipeline (convert.c) follows virt-v2v's order (HACKING.md "Data flow"):
 * convert first on an overlay, copy last, so a conversion that fails
 * costs seconds and free space inside the guest is never copied:
 *
 *   1. source     read the guest description (struct guest)
 *   2. preflight  open every disk (chains complete, sizes, allocation),
 *                 start the archive's manifest check, prepare the output
 *                 (names free, room for the estimated bytes)
 *   3. serve      serve each disk read-only over NBD through our readers
 *                 (nbdkit + our plugin) and put a qcow2 overlay on it; an
 *                 XVA, which can only stream, is first written to a sparse
 *                 local file
 *   4. fixup      make the guest boot on virtio (guest-fixups/), ending
 *                 with fstrim, on the overlays
 *   5. copy       one pass over the merged view (overlay clusters, else
 *                 the source through our readers, without NBD) into the
 *                 output format, skipping holes, zeros and trimmed space
 *   6. metadata   domain XML (or qemu script) from the guest record and
 *                 the fixups' capabilities; define / write it
 *
 * The source is never opened for writing.  On failure or SIGINT/SIGTERM
 * the children stop (nbdkit exits with its parent, libguestfs's qemu is
 * shut down), scratch files and written outputs are removed.
 */
#ifndef V2K_CONVERT_H
#define V2K_CONVERT_H

#include <stdbool.h>
#include <stddef.h>

#include "domxml.h"
#include "fixup.h"
#include "output.h"
#include "vector.h"

struct convert_options {
  const char *input_type;       /* vmx ova ovf xva xl xm libvirtxml disk */
  char **sources;               /* one config / archive, or the disks */
  size_t nsources;
  struct output_opts output;
  const char *name;             /* -on: guest name on the output */
  struct domxml_options dom;    /* --domain-type, --graphics, networks */
  const char *root;             /* --root */
  enum fixup_accel accel;       /* --accel */
  unsigned jobs;                /* -j; 0 = cores */
  bool compress;                /* -c: compressed qcow2 */
  bool no_trim;                 /* --no-trim: copy free space too */
  bool rebuild_initramfs;       /* --rebuild-initramfs */
  bool no_verify;               /* --no-verify: skip archive checksums */
  bool no_fixup;                /* --no-fixup: copy as is */
  bool print_source;            /* stop after step 1 */
  bool machine;                 /* --machine-readable */
  string_vector macs;           /* --mac NAME=MAC */
  const char *virtio_win;       /* --virtio-win */
  bool virtio_scsi;             /* --block-driver virtio-scsi (Windows) */
};

/* Run the conversion.  Returns the process exit code (0, or the code
 * of the error, which has been reported). */
int convert_run (const struct convert_options *opts);

#endif /* V2K_CONVERT_H */
