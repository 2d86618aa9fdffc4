/* v2kvm: VMDK extents of ESXi snapshot deltas: vmfsSparse ("COWD", the
 * *-delta.vmdk redo logs of VMFS5) and SEsparse (*-sesparse.vmdk, VMFS6
 * and disks over 2 TiB).  Both become a `struct vmdk_sparse` (vmdk.h);
 * the grain-table engine in disk-vmdk-sparse.c does the rest.
 *
 * Follows /work/shared/docs/formats.md sections 1.6 and 1.7, after qemu
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
  uint8_t h[COWD_HEADER];
  uint64_t capacity, grain, gd_off, gd_entries, cover;
  struct vmdk_sparse *sp;

  if (bfile_pread (file, h, sizeof h, 0) == -1)
    return NULL;
  capacity = vmdk_le32 (h + 12);
  grain = vmdk_le32 (h + 16);
  gd_off = vmdk_le32 (h + 20);
  gd_entries = vmdk_le32 (h + 24);
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
  uint64_t magic, version, capacity, grain, gt_size, flags;
  uint64_t vh_off, vh_size, jh_off, jh_size, j_off, j_size;
  uint64_t gd_off, gd_size, gt_off, gt_total, fb_off, fb_size;
  uint64_t bm_off, bm_size, grains_off, grains_size;
};

static void
se_parse (const uint8_t *p, struct se_header *h)
{
  uint64_t v[26];

  for (int i = 0; i < 26; ++i)
    v[i] = vmdk_le64 (p + i * 8);
  *h = (struct se_header) {
    .magic = v[0], .version = v[1], .capacity = v[2], .grain = v[3],
    .gt_size = v[4], .flags = v[5],
    .vh_off = v[10], .vh_size = v[11], .jh_off = v[12], .jh_size = v[13],
    .j_off = v[14], .j_size = v[15], .gd_off = v[16], .gd_size = v[17],
    .gt_off = v[18], .gt_total = v[19], .fb_off = v[20], .fb_size = v[21],
    .bm_off = v[22], .bm_size = v[23], .grains_off = v[24],
    .grains_size = v[25],
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
  if (h->gt_off == 0 || h->vh_off > lim || h->gd_off > lim || h->gd_size > lim ||
      h->gt_off > lim || h->gt_total > lim || h->grains_off > lim ||
      h->grains_size > lim) {
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
  uint8_t b[VMDK_SECTOR];
  struct se_header h;
  struct vmdk_sparse *sp;
  uint64_t need;

  if (bfile_pread (file, b, sizeof b, 0) == -1)
    return NULL;
  se_parse (b, &h);
  if (se_check (file, &h) == -1)
    return NULL;
  if (bfile_pread (file, b, sizeof b, h.vh_off * VMDK_SECTOR) == -1)
    return NULL;
  if (vmdk_le64 (b) != SE_VOLATILE_MAGIC) {
    set_error (EINVAL, "'%s': SEsparse volatile header has a bad magic",
               file->name);
    return NULL;
  }
  if (vmdk_le64 (b + 24) != 0) {
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
