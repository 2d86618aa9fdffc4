/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the OVF descriptor reader (cfg-ovf.c), second entry point: the
 * disk references and capacities the "ova" block-source driver opens.
 * The first entry point, the guest record, is the cfg_reader "ovf"
 * (cfg.h, cfg_ovf_read_buffer).  docs/formats.md §5.4. */
#ifndef V2K_CFG_OVF_H
#define V2K_CFG_OVF_H

#include <stdbool.h>
#include <stdint.h>

#include "bfile.h"
#include "vector.h"

/* Largest descriptor read (both entry points' callers refuse more). */
#define OVF_MAX_SIZE (16 * 1024 * 1024)
/* At most this many References/File and DiskSection/Disk are read. */
#define OVF_MAX_DISKS 256

/* One Disk of the OVF's DiskSection, with the File it refers to. */
struct ovf_disk {
  char *id;                     /* ovf:diskId */
  char *href;                   /* File href, NULL for an empty disk */
  bool gzip;                    /* ovf:compression="gzip" */
  bool chunked;                 /* ovf:chunkSize present */
  int64_t capacity;             /* bytes, -1 if unknown */
};
DEFINE_VECTOR_TYPE (ovf_disk_vector, struct ovf_disk);

/* Append the disks of the OVF descriptor ovf to out, in document order
 * (what --disk N counts); the caller frees each id and href.  0, or -1
 * + set_error (EINVAL: larger than OVF_MAX_SIZE, or not XML). */
int ovf_disk_refs (struct bfile *ovf, ovf_disk_vector *out);

#endif /* V2K_CFG_OVF_H */
