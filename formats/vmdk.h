/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: private declarations shared by the VMDK driver's files.
 *
 *   disk-vmdk.c         probe, dispatch, extent list (regions), chains,
 *                       pread/extents; exports vmdk_blk, the only
 *                       driver symbol
 *   disk-vmdk-descriptor.c  the text descriptor
 *   disk-vmdk-sparse.c  hosted sparse extents ("KDMV"): monolithicSparse,
 *                       twoGbMaxExtentSparse, streamOptimized
 *   disk-vmdk-grains.c  the grain-table engine shared by every sparse
 *                       kind, and inflating compressed grains
 *   disk-vmdk-esx.c     ESXi snapshot deltas: vmfsSparse ("COWD") and
 *                       SEsparse
 *
 * Byte layouts: docs/formats.md §1, after qemu
 * block/vmdk.c, libyal libvmdk's format document and VMware's "Virtual
 * Disk Format 5.0" technote.
 *
 * A sparse extent of any kind is described by one `struct vmdk_sparse`:
 * a decoded grain directory (byte offsets of the grain tables) and a
 * bounded, lazily filled cache of grain tables.  The kinds differ only in
 * how a grain-table entry is decoded (vmdk_sparse_decode_fn).
 */
#ifndef V2K_VMDK_H
#define V2K_VMDK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bfile.h"
#include "vector.h"

#define VMDK_SECTOR 512

/* Caps on untrusted header fields. */
#define MAX_GRAIN_SECTORS 0x200000              /* qemu's limit: 1 GiB */
#define MAX_COMPRESSED_GRAIN ((uint64_t) 16 << 20) /* per-thread buffers */
#define MAX_GD_ENTRIES ((uint64_t) 1 << 22)     /* 32 MiB decoded */
#define MAX_GT_ENTRIES 4096                     /* COWD and SEsparse: 4096 */
#define MAX_CAPACITY ((uint64_t) 1 << 50)       /* 1 PiB virtual size */
#define MAX_DESCRIPTOR ((uint64_t) 1 << 20)     /* qemu reads < 1 MiB */
#define MAX_STREAM_GRAINS ((uint64_t) 1 << 24)  /* marker-scan index */

/* Stream marker types. */
#define MARKER_EOS 0
#define MARKER_GT 1
#define MARKER_GD 2
#define MARKER_FOOTER 3

/* A stream marker (docs/formats.md §1.4), little-endian: u64 val at 0, u32
 * size at 8, u32 type at 12.  A grain's lba + compressed size (its data
 * starts at 12), or with size 0 a metadata marker of a type (MARKER_*)
 * followed by val sectors. */
#define MARKER_SIZE 16

/* What a range of an extent holds. */
enum vmdk_run_type {
  RUN_HOLE,                     /* not in this link: parent, or zeros */
  RUN_ZERO,                     /* zeroed grain: zeros, parent hidden */
  RUN_DATA,                     /* plain bytes at file_off */
  RUN_COMPRESSED,               /* one zlib grain whose marker is at file_off */
};

struct vmdk_run {
  enum vmdk_run_type type;
  uint64_t len;                 /* bytes from the queried offset, > 0 */
  uint64_t file_off;            /* DATA: byte of the queried offset;
                                   COMPRESSED: the grain marker */
  uint64_t grain_start;         /* COMPRESSED: extent offset of the grain */
};

struct vmdk_sparse;

/* Decode grain-table entry e (already little-endian-decoded) of grain
 * table gdi, index gti, into run->type and run->file_off (the byte
 * offset of the grain's start).  0, or -1 + set_error for a corrupt
 * entry. */
typedef int (*vmdk_sparse_decode_fn) (struct vmdk_sparse *sp, uint64_t e,
                                      uint64_t gdi, uint64_t gti,
                                      struct vmdk_run *run);

struct vmdk_gt_slot {
  uint64_t gdi_plus1;           /* 0: empty */
  uint8_t *raw;                 /* gt_entries * entry_size bytes */
};

#define VMDK_GT_CACHE 256       /* slots, power of two */

struct vmdk_sparse {
  struct bfile *file;           /* borrowed */
  const char *kind;             /* "sparse", "vmfsSparse", "seSparse" */
  uint64_t capacity;            /* bytes of virtual disk in this extent */
  uint64_t grain;               /* bytes per grain */
  uint64_t gt_entries;          /* entries per grain table */
  unsigned entry_size;          /* 4 or 8 bytes per GT entry */
  uint64_t gd_entries;
  uint64_t *gd;                 /* byte offset of each GT, 0 = none */
  bool compressed;              /* streamOptimized: grains are zlib */
  uint64_t *stream_index;       /* marker-scan fallback: grain -> marker */
  vmdk_sparse_decode_fn decode;
  /* SEsparse: where grain tables and clusters live. */
  uint64_t se_tables_off, se_tables, se_grains_off, se_grains_max;

  pthread_mutex_t lock;         /* protects cache */
  struct vmdk_gt_slot cache[VMDK_GT_CACHE];
};

/* What vmdk_kdmv_open found in a KDMV file. */
struct vmdk_kdmv_info {
  char *descriptor;             /* embedded descriptor text, or NULL */
  uint64_t capacity;            /* header capacity in bytes (0: descriptor
                                   only) */
};

/* disk-vmdk-sparse.c */

/* Open the hosted sparse extent in file (which starts with "KDMV").
 * Returns NULL + set_error; *info receives the embedded descriptor (the
 * caller frees it).  With info->capacity == 0 (a descriptor-only file)
 * the returned engine is still valid but maps nothing. */
struct vmdk_sparse *vmdk_kdmv_open (struct bfile *file,
                                    struct vmdk_kdmv_info *info);

/* disk-vmdk-grains.c */

/* A new engine for file (borrowed) of kind ("sparse", ...); the caller
 * fills capacity, grain, gt_entries, entry_size, decode, then calls
 * vmdk_sparse_load_gd.  Free with vmdk_sparse_free (NULL-safe). */
struct vmdk_sparse *vmdk_sparse_new (struct bfile *file, const char *kind);
void vmdk_sparse_free (struct vmdk_sparse *sp);

/* Set sp->gd_entries from the capacity, grain and table size; -1 +
 * set_error if it exceeds MAX_GD_ENTRIES. */
int vmdk_sparse_size_gd (struct vmdk_sparse *sp);

/* Load and validate the grain directory,
 * whose raw entries (entry_size each, gd_entries of them) are at byte
 * gd_off.  gd_decode turns one raw GD entry into a GT byte offset (0 for
 * none) or returns -1 + set_error. */
int vmdk_sparse_load_gd (struct vmdk_sparse *sp, uint64_t gd_off,
                         unsigned gd_entry_size,
                         int (*gd_decode) (struct vmdk_sparse *sp,
                                           uint64_t i, uint64_t raw,
                                           uint64_t *gt_off));

/* A GD entry that is a sector number (KDMV, COWD). */
int vmdk_sector_gd_decode (struct vmdk_sparse *sp, uint64_t i, uint64_t raw,
                           uint64_t *gt_off);

/* Check a header's grain size in sectors: a power of two, capped.
 * 0, or -1 + set_error naming f. */
int vmdk_check_grain (struct bfile *f, uint64_t grain);

/* Describe what extent byte offset off holds, for at most max_len bytes.
 * Thread-safe.  0, or -1 + set_error. */
int vmdk_sparse_lookup (struct vmdk_sparse *sp, uint64_t off,
                        uint64_t max_len, struct vmdk_run *run);

/* Read len bytes at extent offset off from the compressed grain run.
 * Thread-safe.  0, or -1 + set_error. */
int vmdk_sparse_read_compressed (struct vmdk_sparse *sp,
                                 const struct vmdk_run *run, void *buf,
                                 uint64_t off, uint64_t len);

/* disk-vmdk-descriptor.c */

enum vmdk_access { VMDK_RW, VMDK_RDONLY, VMDK_NOACCESS };

struct vmdk_desc_extent {
  enum vmdk_access access;
  uint64_t sectors;
  char type[24];                /* "FLAT", "SPARSE", ... (truncated) */
  char *file;                   /* NULL for ZERO */
  uint64_t offset;              /* sectors into the file (FLAT) */
  unsigned line;
};

DEFINE_VECTOR_TYPE (vmdk_desc_extents, struct vmdk_desc_extent);

struct vmdk_descriptor {
  char *create_type;            /* NULL if absent */
  char *parent_hint;            /* parentFileNameHint, NULL if absent */
  char *encoding;               /* encoding=, NULL if absent */
  uint32_t cid, parent_cid;
  bool has_cid, has_parent_cid;
  vmdk_desc_extents extents;    /* at least one */
};

/* Parse len bytes of text (stops at a NUL) into d.  name is for
 * messages.  0, or -1 + set_error ("invalid descriptor: ..."). */
int vmdk_descriptor_parse (const char *name, const char *text, size_t len,
                           struct vmdk_descriptor *d);
void vmdk_descriptor_free (struct vmdk_descriptor *d);

/* disk-vmdk-esx.c */

/* Open an ESX vmfsSparse redo log ("COWD") or an SEsparse extent. */
struct vmdk_sparse *vmdk_cowd_open (struct bfile *file);
struct vmdk_sparse *vmdk_sesparse_open (struct bfile *file);

/* Magic numbers, for the probe and the dispatch. */
bool vmdk_is_kdmv (const uint8_t *p, size_t len);
bool vmdk_is_cowd (const uint8_t *p, size_t len);
bool vmdk_is_sesparse (const uint8_t *p, size_t len);

#endif /* V2K_VMDK_H */
