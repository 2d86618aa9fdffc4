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

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

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

/* The COWD header (docs/formats.md §1.6).  Little-endian. */
struct cowd_header_ondisk {
  char magic[4];                        /* "COWD" */
  uint32_t version;
  uint32_t flags;
  uint32_t capacity;                    /* sectors */
  uint32_t grain_size;                  /* sectors */
  uint32_t gd_offset;                   /* sectors */
  uint32_t num_gd_entries;
  uint32_t next_free_sector;
  uint8_t rest[COWD_HEADER - 32];       /* geometry or parent name, ... */
} __attribute__((packed));

/* The SEsparse constant header, sector 0 (docs/formats.md §1.7): offsets and
 * sizes in sectors.  Little-endian. */
struct se_header_ondisk {
  uint64_t magic, version, capacity, grain_size, gt_size, flags;
  uint64_t reserved[4];
  uint64_t volatile_offset, volatile_size;
  uint64_t journal_header_offset, journal_header_size;
  uint64_t journal_offset, journal_size;
  uint64_t gd_offset, gd_size;
  uint64_t gt_offset, gt_size_total;
  uint64_t free_bitmap_offset, free_bitmap_size;
  uint64_t backmap_offset, backmap_size;
  uint64_t grains_offset, grains_size;
  uint8_t pad[304];
} __attribute__((packed));

/* The SEsparse volatile header. */
struct se_volatile_ondisk {
  uint64_t magic;                       /* SE_VOLATILE_MAGIC */
  uint64_t free_gt_number;
  uint64_t next_txn_seq_number;
  uint64_t replay_journal;              /* != 0: dirty */
  uint8_t pad[480];
} __attribute__((packed));

_Static_assert (sizeof (struct cowd_header_ondisk) == COWD_HEADER,
                "COWD header size");
_Static_assert (sizeof (struct se_header_ondisk) == VMDK_SECTOR,
                "SEsparse header size");
_Static_assert (sizeof (struct se_volatile_ondisk) == VMDK_SECTOR,
                "SEsparse volatile header size");

bool
vmdk_is_cowd (const uint8_t *p, size_t len)
{
  return len >= 4 && memcmp (p, "COWD", 4) == 0;
}

bool
vmdk_is_sesparse (const uint8_t *p, size_t len)
{
  return len >= 8 && vmdk_le64 (p) == SE_MAGIC;
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
  struct cowd_header_ondisk h;
  uint64_t capacity, grain, gd_off, gd_entries, cover;
  struct vmdk_sparse *sp;

  if (bfile_pread (file, &h, sizeof h, 0) == -1)
    return NULL;
  capacity = le32toh (h.capacity);
  grain = le32toh (h.grain_size);
  gd_off = le32toh (h.gd_offset);
  gd_entries = le32toh (h.num_gd_entries);
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
se_parse (const struct se_header_ondisk *o, struct se_header *h)
{
  *h = (struct se_header) {
    .version = le64toh (o->version),
    .capacity = le64toh (o->capacity),
    .grain = le64toh (o->grain_size),
    .gt_size = le64toh (o->gt_size),
    .flags = le64toh (o->flags),
    .vh_off = le64toh (o->volatile_offset),
    .gd_off = le64toh (o->gd_offset),
    .gd_size = le64toh (o->gd_size),
    .gt_off = le64toh (o->gt_offset),
    .gt_total = le64toh (o->gt_size_total),
    .grains_off = le64toh (o->grains_offset),
    .grains_size = le64toh (o->grains_size),
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
  struct se_header_ondisk o;
  struct se_volatile_ondisk v;
  struct se_header h;
  struct vmdk_sparse *sp;
  uint64_t need;

  if (bfile_pread (file, &o, sizeof o, 0) == -1)
    return NULL;
  se_parse (&o, &h);
  if (se_check (file, &h) == -1)
    return NULL;
  if (bfile_pread (file, &v, sizeof v, h.vh_off * VMDK_SECTOR) == -1)
    return NULL;
  if (le64toh (v.magic) != SE_VOLATILE_MAGIC) {
    set_error (EINVAL, "'%s': SEsparse volatile header has a bad magic",
               file->name);
    return NULL;
  }
  if (v.replay_journal != 0) {
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
