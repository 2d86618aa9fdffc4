/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: libvirt domain XML for a converted guest.
 *
 * domxml_build() is a pure function of the source description (struct
 * guest), what the converted guest can run on (struct guestcaps) and the
 * output disks: it calls no libvirt API, so `v2kvm source xml` and the
 * tests see exactly what an output would define.
 */
#ifndef V2K_DOMXML_H
#define V2K_DOMXML_H

#include <stdbool.h>
#include <stddef.h>

#include "guest.h"
#include "guestcaps.h"

/* One output disk, in the order of guest->disks. */
struct domxml_target {
  const char *path;
  const char *format;           /* "qcow2" or "raw" */
};

/* --network in:out / --bridge in:out (in NULL: every other NIC). */
struct domxml_netmap {
  bool bridge;                  /* out is a host bridge, not a network */
  const char *in;
  const char *out;
};

struct domxml_options {
  const char *domain_type;      /* "kvm" (default when NULL) or "qemu" */
  const char *graphics;         /* "vnc" (default), "spice" or "none" */
  const struct domxml_netmap *netmaps;
  size_t nnetmaps;
};

/* Parse "in:out" or "out" into m (pointers into arg, which must live as
 * long as m).  -1 + set_error (usage) if empty. */
int domxml_parse_netmap (char *arg, bool bridge, struct domxml_netmap *m);

/* Disk name number i (0-based) with prefix: "vda" ... "vdz", "vdaa" ...
 * (virt-v2v drive_name); buf of at least 16 bytes. */
void domxml_drive_name (char *buf, size_t len, const char *prefix, size_t i);

/* The domain XML (malloc'd, caller frees), or NULL + set_error (EINVAL
 * if ntargets != guest->disks.len). */
char *domxml_build (const struct guest *g, const struct guestcaps *caps,
                    const struct domxml_target *targets, size_t ntargets,
                    const struct domxml_options *opts);

#endif /* V2K_DOMXML_H */
