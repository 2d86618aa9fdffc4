/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: VMDK extents of ESXi snapshot deltas: vmfsSparse ("COWD", the
 * *-delta.vmdk redo logs of VMFS5) and SEsparse (*-sesparse.vmdk, VMFS6
 * and disks over 2 TiB).  Both become a `struct vmdk_sparse` (vmdk.h);
 * the grain-table engine in disk-vmdk-sparse.c does the rest.
 *
 * Follows docs/formats.md §1.6 and §1.7, after qemu
 * block/vmdk.c (vmdk_open_vmfs_sparse, vmdk_open_se_sparse and its
 * checks) and libyal libvmdk's COWD header table.  SEsparse is
 * undocumented by VMware: like qemu we accept only version 0x200000001
 * with 4 KiB grains and 4096-entry tables, and refuse a dirty journal
 * (replaying it is not implemented).  The SEsparse free bitmap and
 * back map are not read.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "byteorder.h"
#include "checked.h"
#include "error.h"
#include "vmdk.h"

#define COWD_HEADER 2048
#define COWD_GT_ENTRIES 4096

#define SE_MAGIC UINT64_C (0x00000000cafebabe)
#define SE_VOLATILE_MAGIC UINT64_C (0x00000000cafecafe)
#define SE_VERSION UINT64_C (0x0000000200000001)
#define SE_GRAIN_SECTORS 8
#define SE_GT_SECTORS 64
#define SE_GT_ENTRIES (SE_GT_SECTORS * VMDK_SECTOR / 8)

/* The COWD header (docs/formats.md §1.6), COWD_HEADER bytes, little-endian,
 * read with get_le32 at these offsets: 0 "COWD", 4 version, 8 flags,
 * 12 capacity (sectors), 16 grain size (sectors), 20 GD offset (sectors),
 * 24 GD entries, 28 next free sector; then geometry, parent name, ... */

/* The SEsparse constant header, sector 0 (docs/formats.md §1.7): u64
 * little-endian fields, offsets and sizes in sectors, read with get_le64
 * at these offsets: 0 magic, 8 version, 16 capacity, 24 grain size,
 * 32 GT size, 40 flags, 48..79 reserved, 80/88 volatile header
 * offset/size, 96/104 journal header, 112/120 journal, 128/136 GD
 * offset/size, 144/152 GT offset/total size, 160/168 free bitmap,
 * 176/184 backmap, 192/200 grains offset/size, 208..511 padding.
 *
 * The SEsparse volatile header, one sector: 0 u64 magic
 * (SE_VOLATILE_MAGIC), 8 free GT number, 16 next transaction sequence
 * number, 24 replay journal (!= 0: dirty). */

bool
vmdk_is_cowd (const uint8_t *p, size_t len)
{
  return len >= 4 && memcmp (p, "COWD", 4) == 0;
}

bool
vmdk_is_sesparse (const uint8_t *p, size_t len)
{
  return len >= 8 && get_le64 (p) == SE_MAGIC;
}

/* vmfsSparse (COWD). */

static int
cowd_decode (struct vmdk_sparse *sp, uint64_t e, uint64_t gdi, uint64_t gti,
             struct vmdk_run *run)
{
  if (e == 0) {
    run->type = RUN_HOLE;
    return 0;
  }
  if (e < COWD_HEADER / VMDK_SECTOR) {
    set_error (EINVAL, "'%s': grain table %" PRIu64 " entry %" PRIu64
               " points into the header", sp->file->name, gdi, gti);
    return -1;
  }
  run->type = RUN_DATA;
  run->file_off = e * VMDK_SECTOR;
  return 0;
}

struct vmdk_sparse *
vmdk_cowd_open (struct bfile *file)
{
  uint8_t h[COWD_HEADER];
  uint64_t capacity, grain, gd_off, gd_entries, cover;
  struct vmdk_sparse *sp;

  if (bfile_pread (file, h, sizeof h, 0) == -1)
    return NULL;
  capacity = get_le32 (h + 12);
  grain = get_le32 (h + 16);
  gd_off = get_le32 (h + 20);
  gd_entries = get_le32 (h + 24);
  if (vmdk_check_grain (file, grain) == -1)
    return NULL;
  cover = grain * COWD_GT_ENTRIES;
  if (gd_entries < DIV_ROUND_UP (capacity, cover)) {
    set_error (EINVAL, "'%s': %" PRIu64 " grain directory entries are too "
               "few for a capacity of %" PRIu64 " sectors", file->name,
               gd_entries, capacity);
    return NULL;
  }
  sp = vmdk_sparse_new (file, "vmfsSparse");
  sp->capacity = capacity * VMDK_SECTOR;
  sp->grain = grain * VMDK_SECTOR;
  sp->gt_entries = COWD_GT_ENTRIES;
  sp->entry_size = 4;
  sp->decode = cowd_decode;
  if (vmdk_sparse_load_gd (sp, gd_off * VMDK_SECTOR, 4, vmdk_sector_gd_decode)
      == -1) {
    vmdk_sparse_free (sp);
    return NULL;
  }
  return sp;
}

/* SEsparse. */

struct se_header {
  uint64_t version, capacity, grain, gt_size, flags, vh_off;
  uint64_t gd_off, gd_size, gt_off, gt_total, grains_off, grains_size;
};

static void
se_parse (const uint8_t *o, struct se_header *h)
{
  *h = (struct se_header) {
    .version = get_le64 (o + 8),
    .capacity = get_le64 (o + 16),
    .grain = get_le64 (o + 24),
    .gt_size = get_le64 (o + 32),
    .flags = get_le64 (o + 40),
    .vh_off = get_le64 (o + 80),
    .gd_off = get_le64 (o + 128),
    .gd_size = get_le64 (o + 136),
    .gt_off = get_le64 (o + 144),
    .gt_total = get_le64 (o + 152),
    .grains_off = get_le64 (o + 192),
    .grains_size = get_le64 (o + 200),
  };
}

static int
se_check (struct bfile *f, const struct se_header *h)
{
  const uint64_t lim = MAX_CAPACITY / VMDK_SECTOR;

  if (h->version != SE_VERSION || h->grain != SE_GRAIN_SECTORS ||
      h->gt_size != SE_GT_SECTORS || h->flags != 0) {
    set_error (ENOTSUP, "'%s': SEsparse version %#" PRIx64 " with grain %"
               PRIu64 ", table size %" PRIu64 ", flags %#" PRIx64
               " is not supported", f->name, h->version, h->grain,
               h->gt_size, h->flags);
    return -1;
  }
  if (h->capacity > lim) {
    set_error (EINVAL, "'%s': capacity %" PRIu64 " sectors is too large",
               f->name, h->capacity);
    return -1;
  }
  if (h->gt_off == 0 || h->vh_off > lim || h->gd_off > lim ||
      h->gd_size > lim || h->gt_off > lim || h->gt_total > lim ||
      h->grains_off > lim || h->grains_size > lim) {
    set_error (EINVAL, "'%s': SEsparse header has an offset or size out "
               "of range", f->name);
    return -1;
  }
  return 0;
}

static int
se_gd_decode (struct vmdk_sparse *sp, uint64_t i, uint64_t raw,
              uint64_t *gt_off)
{
  uint64_t idx = raw & 0xffffffff;

  if (raw == 0) {
    *gt_off = 0;
    return 0;
  }
  if ((raw >> 32) != 0x10000000 || idx >= sp->se_tables) {
    set_error (EINVAL, "'%s': grain directory entry %" PRIu64 " (%#" PRIx64
               ") is invalid", sp->file->name, i, raw);
    return -1;
  }
  *gt_off = sp->se_tables_off + idx * SE_GT_SECTORS * VMDK_SECTOR;
  return 0;
}

static int
se_decode (struct vmdk_sparse *sp, uint64_t e, uint64_t gdi, uint64_t gti,
           struct vmdk_run *run)
{
  uint64_t cluster;

  switch (e >> 60) {
  case 0:
    if (e != 0)
      break;
    run->type = RUN_HOLE;
    return 0;
  case 1:                               /* unmapped */
  case 2:                               /* zeroed */
    run->type = RUN_ZERO;
    return 0;
  case 3:
    cluster = ((e & UINT64_C (0x0fff000000000000)) >> 48) |
      ((e & UINT64_C (0x0000ffffffffffff)) << 12);
    if (cluster >= sp->se_grains_max)
      break;
    run->type = RUN_DATA;
    run->file_off = sp->se_grains_off +
      cluster * SE_GRAIN_SECTORS * VMDK_SECTOR;
    return 0;
  }
  set_error (EINVAL, "'%s': grain table %" PRIu64 " entry %" PRIu64
             " (%#" PRIx64 ") is invalid", sp->file->name, gdi, gti, e);
  return -1;
}

struct vmdk_sparse *
vmdk_sesparse_open (struct bfile *file)
{
  uint8_t o[VMDK_SECTOR], v[VMDK_SECTOR];
  struct se_header h;
  struct vmdk_sparse *sp;
  uint64_t need;

  if (bfile_pread (file, o, sizeof o, 0) == -1)
    return NULL;
  se_parse (o, &h);
  if (se_check (file, &h) == -1)
    return NULL;
  if (bfile_pread (file, v, sizeof v, h.vh_off * VMDK_SECTOR) == -1)
    return NULL;
  if (get_le64 (v) != SE_VOLATILE_MAGIC) {
    set_error (EINVAL, "'%s': SEsparse volatile header has a bad magic",
               file->name);
    return NULL;
  }
  if (get_le64 (v + 24) != 0) {
    set_error (ENOTSUP, "'%s': SEsparse journal needs replaying (the "
               "snapshot was not closed cleanly)", file->name);
    return NULL;
  }
  need = DIV_ROUND_UP (h.capacity, (uint64_t) SE_GT_ENTRIES *
                       SE_GRAIN_SECTORS);
  if (need * 8 > h.gd_size * VMDK_SECTOR) {
    set_error (EINVAL, "'%s': SEsparse grain directory (%" PRIu64
               " sectors) is too small for the capacity", file->name,
               h.gd_size);
    return NULL;
  }
  sp = vmdk_sparse_new (file, "seSparse");
  sp->capacity = h.capacity * VMDK_SECTOR;
  sp->grain = SE_GRAIN_SECTORS * VMDK_SECTOR;
  sp->gt_entries = SE_GT_ENTRIES;
  sp->entry_size = 8;
  sp->decode = se_decode;
  sp->se_grains_off = h.grains_off * VMDK_SECTOR;
  sp->se_grains_max = h.grains_size / SE_GRAIN_SECTORS;
  sp->se_tables_off = h.gt_off * VMDK_SECTOR;
  sp->se_tables = h.gt_total / SE_GT_SECTORS;
  if (vmdk_sparse_load_gd (sp, h.gd_off * VMDK_SECTOR, 8, se_gd_decode)
      == -1)
    goto err;
  return sp;

 err:
  vmdk_sparse_free (sp);
  return NULL;
}
