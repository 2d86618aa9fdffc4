/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: OVA internals shared by archive-ova.c and archive-gunzip.c
 * (the OVF's disk references are read by cfg-ovf.c: cfg-ovf.h). */
#ifndef V2K_OVA_H
#define V2K_OVA_H

#include <stdint.h>

#include "bfile.h"

/* Inflate the gzip member (ovf:compression="gzip"; closed here, also on
 * failure) into an anonymous O_TMPFILE in $TMPDIR (default /var/tmp),
 * zero blocks left as holes.  More than max_out bytes of output is
 * refused (EINVAL) before they are written: a small member can inflate
 * about 1000-fold.  NULL + set_error. */
struct bfile *ova_gunzip_member (struct bfile *member, uint64_t max_out);

/* The largest decompressed file a disk of capacity bytes (-1: the OVF
 * gives none) can plausibly be: the capacity plus the metadata and
 * compression overhead of an image format (an incompressible
 * streamOptimized VMDK grows by about 1/8).  0 + set_error (ENOTSUP)
 * when the capacity is unknown: the size could not be bounded. */
uint64_t ova_gunzip_limit (const char *name, int64_t capacity);

#endif /* V2K_OVA_H */
