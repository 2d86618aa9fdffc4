/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the VMDK grain-table engine shared by every sparse extent kind
 * (hosted sparse, vmfsSparse, SEsparse; see vmdk.h), and reading
 * streamOptimized's compressed grains.
 *
 * Follows docs/formats.md §1.3 and §1.4, after qemu
 * block/vmdk.c (get_cluster_offset, vmdk_read_extent): a grain directory
 * of grain-table offsets, loaded and checked at open; grain tables read
 * on demand into a small direct-mapped cache (VMDK_GT_CACHE slots per
 * extent, so memory stays bounded on a 2 TB disk); runs of grains of one
 * kind merged so large reads become few preads.  Compressed grains are
 * zlib streams (RFC 1950) behind a 12-byte marker, inflated whole with
 * libdeflate, straight into the caller's buffer when it takes the whole
 * grain.
 *
 * Threads: the grain-table cache is under sp->lock; inflating uses one
 * libdeflate decompressor and buffers per thread (thread-specific data,
 * freed when the thread exits).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "byteorder.h"
#include "checked.h"
#include "error.h"
#include "vmdk.h"
#include "xalloc.h"

#define GTE_BATCH 64                    /* entries copied per lookup */

struct vmdk_sparse *
vmdk_sparse_new (struct bfile *file, const char *kind)
{
  struct vmdk_sparse *sp = xzalloc (sizeof *sp);

  sp->file = file;
  sp->kind = kind;
  pthread_mutex_init (&sp->lock, NULL);
  return sp;
}

void
vmdk_sparse_free (struct vmdk_sparse *sp)
{
  if (!sp)
    return;
  for (size_t i = 0; i < VMDK_GT_CACHE; ++i)
    free (sp->cache[i].raw);
  free (sp->gd);
  free (sp->stream_index);
  pthread_mutex_destroy (&sp->lock);
  free (sp);
}

int
vmdk_sparse_size_gd (struct vmdk_sparse *sp)
{
  /* Callers capped grain, gt_entries and capacity, so no overflow. */
  uint64_t cover = sp->grain * sp->gt_entries;

  sp->gd_entries = DIV_ROUND_UP (sp->capacity, cover);
  if (sp->gd_entries > MAX_GD_ENTRIES) {
    set_error (EINVAL, "'%s': grain directory would have %" PRIu64
               " entries (capacity too large for the grain size)",
               sp->file->name, sp->gd_entries);
    return -1;
  }
  return 0;
}

int
vmdk_sparse_load_gd (struct vmdk_sparse *sp, uint64_t gd_off,
                     unsigned gd_entry_size,
                     int (*gd_decode) (struct vmdk_sparse *, uint64_t,
                                       uint64_t, uint64_t *))
{
  uint64_t gt_bytes, gd_bytes, end;
  uint8_t *raw;

  if (vmdk_sparse_size_gd (sp) == -1)
    return -1;
  gt_bytes = sp->gt_entries * sp->entry_size;
  gd_bytes = sp->gd_entries * gd_entry_size;
  if (ADD_OVERFLOW (gd_off, gd_bytes, &end) || end > sp->file->size) {
    set_error (EINVAL, "'%s': grain directory (offset %" PRIu64 ", %"
               PRIu64 " bytes) is past the end of the file",
               sp->file->name, gd_off, gd_bytes);
    return -1;
  }
  raw = malloc (gd_bytes ? gd_bytes : 1);
  sp->gd = calloc (sp->gd_entries ? sp->gd_entries : 1, sizeof *sp->gd);
  if (!raw || !sp->gd) {
    free (raw);
    set_error (ENOMEM, "'%s': out of memory for the grain directory",
               sp->file->name);
    return -1;
  }
  if (bfile_pread (sp->file, raw, gd_bytes, gd_off) == -1) {
    free (raw);
    return -1;
  }
  for (uint64_t i = 0; i < sp->gd_entries; ++i) {
    uint64_t e = gd_entry_size == 4 ? get_le32 (raw + i * 4)
      : get_le64 (raw + i * 8);
    uint64_t gt_off;
    if (gd_decode (sp, i, e, &gt_off) == -1) {
      free (raw);
      return -1;
    }
    if (gt_off != 0 &&
        (ADD_OVERFLOW (gt_off, gt_bytes, &end) || end > sp->file->size)) {
      set_error (EINVAL, "'%s': grain directory entry %" PRIu64
                 " points past the end of the file", sp->file->name, i);
      free (raw);
      return -1;
    }
    sp->gd[i] = gt_off;
  }
  free (raw);
  return 0;
}

/* Copy up to n decoded entries of grain table gdi, from index gti, into
 * out.  Returns the count copied (>= 1), or -1 + set_error. */
static int64_t
gt_get (struct vmdk_sparse *sp, uint64_t gdi, uint64_t gti, uint64_t n,
        uint64_t *out)
{
  struct vmdk_gt_slot *slot = &sp->cache[gdi & (VMDK_GT_CACHE - 1)];
  size_t gt_bytes = sp->gt_entries * sp->entry_size;
  int64_t r = -1;

  n = MIN (n, sp->gt_entries - gti);
  pthread_mutex_lock (&sp->lock);
  if (slot->gdi_plus1 != gdi + 1) {
    if (!slot->raw)
      slot->raw = xmalloc (gt_bytes);   /* capped: <= 32 KiB */
    slot->gdi_plus1 = 0;
    if (bfile_pread (sp->file, slot->raw, gt_bytes, sp->gd[gdi]) == -1)
      goto out;
    slot->gdi_plus1 = gdi + 1;
  }
  for (uint64_t i = 0; i < n; ++i) {
    const uint8_t *p = slot->raw + (gti + i) * sp->entry_size;
    out[i] = sp->entry_size == 4 ? get_le32 (p) : get_le64 (p);
  }
  r = (int64_t) n;
 out:
  pthread_mutex_unlock (&sp->lock);
  return r;
}

/* Bytes of grain g that lie inside the extent. */
static uint64_t
grain_len (const struct vmdk_sparse *sp, uint64_t gstart)
{
  return MIN (sp->grain, sp->capacity - gstart);
}

/* Check that a decoded DATA/COMPRESSED run of the grain at gstart lies
 * inside the file. */
static int
check_in_file (struct vmdk_sparse *sp, const struct vmdk_run *run,
               uint64_t gstart, uint64_t gdi, uint64_t gti)
{
  uint64_t need = run->type == RUN_DATA ? grain_len (sp, gstart) : 12;
  uint64_t end;

  if (ADD_OVERFLOW (run->file_off, need, &end) || end > sp->file->size) {
    set_error (EINVAL, "'%s': grain table %" PRIu64 " entry %" PRIu64
               " points past the end of the file", sp->file->name, gdi,
               gti);
    return -1;
  }
  return 0;
}

static int
lookup_stream_index (struct vmdk_sparse *sp, uint64_t off, uint64_t max_len,
                     struct vmdk_run *run)
{
  uint64_t g = off / sp->grain, gstart = g * sp->grain;

  run->len = MIN (max_len, gstart + grain_len (sp, gstart) - off);
  if (sp->stream_index[g] == 0) {
    run->type = RUN_HOLE;
    return 0;
  }
  run->type = RUN_COMPRESSED;
  run->file_off = sp->stream_index[g];
  run->grain_start = gstart;
  return 0;
}

int
vmdk_sparse_lookup (struct vmdk_sparse *sp, uint64_t off, uint64_t max_len,
                    struct vmdk_run *run)
{
  uint64_t cover = sp->grain * sp->gt_entries;
  uint64_t gdi = off / cover, gti, gstart, end, e[GTE_BATCH];
  int64_t n;

  if (off >= sp->capacity) {
    run->type = RUN_HOLE;
    run->len = max_len;
    return 0;
  }
  max_len = MIN (max_len, sp->capacity - off);
  if (sp->stream_index)
    return lookup_stream_index (sp, off, max_len, run);
  if (gdi >= sp->gd_entries || sp->gd[gdi] == 0) {
    run->type = RUN_HOLE;
    run->len = MIN (max_len, (gdi + 1) * cover - off);
    return 0;
  }
  gti = (off % cover) / sp->grain;
  gstart = gdi * cover + gti * sp->grain;
  n = gt_get (sp, gdi, gti, GTE_BATCH, e);
  if (n == -1)
    return -1;
  if (sp->decode (sp, e[0], gdi, gti, run) == -1)
    return -1;
  if (run->type == RUN_DATA || run->type == RUN_COMPRESSED) {
    if (check_in_file (sp, run, gstart, gdi, gti) == -1)
      return -1;
  }
  run->grain_start = gstart;
  end = gstart + sp->grain;
  if (run->type == RUN_DATA)
    run->file_off += off - gstart;
  /* Extend over following grains of the same kind (and, for data,
   * contiguous in the file), so large reads become few preads. */
  if (run->type != RUN_COMPRESSED) {
    uint64_t next_file = run->file_off + (end - off);
    for (int64_t i = 1; i < n && end < off + max_len; ++i) {
      struct vmdk_run r2;
      if (sp->decode (sp, e[i], gdi, gti + i, &r2) == -1)
        return -1;
      if (r2.type != run->type ||
          (r2.type == RUN_DATA && r2.file_off != next_file))
        break;
      if (r2.type == RUN_DATA &&
          check_in_file (sp, &r2, end, gdi, gti + i) == -1)
        return -1;
      end += sp->grain;
      next_file += sp->grain;
    }
  }
  run->len = MIN (max_len, end - off);
  return 0;
}

/* Per-thread inflate state. */
struct inflate_tls {
  struct libdeflate_decompressor *d;
  uint8_t *cbuf, *gbuf;
  size_t ccap, gcap;
};

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

static void
tls_free (void *p)
{
  struct inflate_tls *t = p;

  libdeflate_free_decompressor (t->d);
  free (t->cbuf);
  free (t->gbuf);
  free (t);
}

static void
tls_init (void)
{
  pthread_key_create (&tls_key, tls_free);
}

static struct inflate_tls *
get_tls (void)
{
  struct inflate_tls *t;

  pthread_once (&tls_once, tls_init);
  t = pthread_getspecific (tls_key);
  if (!t) {
    t = xzalloc (sizeof *t);
    t->d = libdeflate_alloc_decompressor ();
    if (!t->d) {
      free (t);
      return NULL;
    }
    pthread_setspecific (tls_key, t);
  }
  return t;
}

/* need comes from a capped header field (MAX_COMPRESSED_GRAIN). */
static int
grow (uint8_t **buf, size_t *cap, size_t need)
{
  if (*cap < need) {
    free (*buf);
    *cap = 0;
    *buf = malloc (need);
    if (!*buf) {
      set_error (ENOMEM, "cannot allocate %zu bytes for a compressed grain",
                 need);
      return -1;
    }
    *cap = need;
  }
  return 0;
}

int
vmdk_sparse_read_compressed (struct vmdk_sparse *sp,
                             const struct vmdk_run *run, void *buf,
                             uint64_t off, uint64_t len)
{
  struct inflate_tls *t = get_tls ();
  uint64_t avail = sp->file->size - run->file_off;
  uint64_t lba, size;
  uint64_t max_size = sp->grain + sp->grain / 8 + 1024;
  size_t first = MIN (avail, (uint64_t) 4096), got;
  uint8_t *dest;
  enum libdeflate_result r;

  if (!t) {
    set_error (ENOMEM, "cannot allocate a decompressor");
    return -1;
  }
  if (grow (&t->cbuf, &t->ccap, MAX (4096, max_size + 12)) == -1)
    return -1;
  if (bfile_pread (sp->file, t->cbuf, first, run->file_off) == -1)
    return -1;
  lba = get_le64 (t->cbuf);
  size = get_le32 (t->cbuf + 8);
  if (lba != run->grain_start / VMDK_SECTOR) {
    set_error (EINVAL, "'%s': compressed grain at offset %" PRIu64
               " has sector %" PRIu64 " in its marker, expected %" PRIu64,
               sp->file->name, run->file_off, lba,
               run->grain_start / VMDK_SECTOR);
    return -1;
  }
  if (size == 0 || size > max_size) {
    set_error (EINVAL, "'%s': compressed grain at offset %" PRIu64
               " has an impossible size (%" PRIu64 " bytes)",
               sp->file->name, run->file_off, size);
    return -1;
  }
  if (12 + size > avail) {
    set_error (EINVAL, "'%s': compressed grain at offset %" PRIu64
               " (%" PRIu64 " bytes) goes past the end of the file",
               sp->file->name, run->file_off, size);
    return -1;
  }
  if (12 + size > first &&
      bfile_pread (sp->file, t->cbuf + first, 12 + size - first,
                   run->file_off + first) == -1)
    return -1;
  if (off == run->grain_start && len == sp->grain)
    dest = buf;                         /* whole grain: no copy */
  else {
    if (grow (&t->gbuf, &t->gcap, sp->grain) == -1)
      return -1;
    dest = t->gbuf;
  }
  r = libdeflate_zlib_decompress (t->d, t->cbuf + 12, size, dest, sp->grain,
                                  &got);
  if (r != LIBDEFLATE_SUCCESS || got < off - run->grain_start + len) {
    set_error (EINVAL, "'%s': compressed grain at offset %" PRIu64
               " is corrupt (%s)", sp->file->name, run->file_off,
               r == LIBDEFLATE_SUCCESS ? "too short"
               : r == LIBDEFLATE_INSUFFICIENT_SPACE ? "larger than a grain"
               : "bad zlib data");
    return -1;
  }
  if (dest != buf)
    memcpy (buf, dest + (off - run->grain_start), len);
  return 0;
}

int
vmdk_sector_gd_decode (struct vmdk_sparse *sp, uint64_t i, uint64_t raw,
                       uint64_t *gt_off)
{
  *gt_off = raw * VMDK_SECTOR;
  return 0;
}

int
vmdk_check_grain (struct bfile *f, uint64_t grain)
{
  if (!is_power_of_2 (grain) || grain > MAX_GRAIN_SECTORS) {
    set_error (EINVAL, "'%s': grain size %" PRIu64 " sectors is %s",
               f->name, grain, grain > MAX_GRAIN_SECTORS
               ? "too large" : "not a power of two");
    return -1;
  }
  return 0;
}
