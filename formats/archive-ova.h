/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: OVA internals shared by archive-ova.c, archive-ovf-refs.c and
 * archive-gunzip.c. */
#ifndef V2K_OVA_H
#define V2K_OVA_H

#include <stdbool.h>
#include <stdint.h>

#include "bfile.h"
#include "vector.h"

#define OVF_MAX_SIZE (16 * 1024 * 1024)
#define OVA_MAX_DISKS 256

/* One Disk of the OVF's DiskSection, with the File it refers to. */
struct ova_disk {
  char *id;                     /* ovf:diskId */
  char *href;                   /* File href, NULL for an empty disk */
  bool gzip;                    /* ovf:compression="gzip" */
  bool chunked;                 /* ovf:chunkSize present */
  int64_t capacity;             /* bytes, -1 if unknown */
};
DEFINE_VECTOR_TYPE (ova_disk_vector, struct ova_disk);

/* Append the disks of the OVF descriptor ovf to out, in document order
 * (what --disk N counts).  0, or -1 + set_error (EINVAL: not XML). */
int ovf_disk_refs (struct bfile *ovf, ova_disk_vector *out);

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
