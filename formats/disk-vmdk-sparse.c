/* v2kvm: VMDK hosted sparse extents ("KDMV") and the grain-table engine
 * shared by every sparse kind (see vmdk.h).
 *
 * Follows /work/shared/docs/formats.md sections 1.3 and 1.4, after qemu
 * block/vmdk.c (vmdk_open_vmdk4, get_cluster_offset, vmdk_read_extent)
 * and VMware's "Virtual Disk Format 5.0" technote: monolithicSparse,
 * the -sNNN extents of twoGbMaxExtentSparse, and streamOptimized (zlib
 * grains behind 12-byte markers; the grain directory found through the
 * header, or through the footer at EOF-1024 when the header says
 * GD_AT_END, or, with neither, by scanning the markers).  Zeroed grains
 * (GTE 1) read as zeros and hide the parent.  Only the primary grain
 * directory is read; the redundant copy is not consulted.
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

#include "checked.h"
#include "error.h"
#include "vmdk.h"
#include "xalloc.h"

#define KDMV_FLAG_ZEROED_GTE 0x4
#define KDMV_FLAG_COMPRESSED 0x10000
#define KDMV_FLAG_MARKERS 0x20000
#define KDMV_GD_AT_END UINT64_C (0xffffffffffffffff)
#define KDMV_MAX_GTES 512               /* qemu rejects more */
#define MARKER_EOS 0
#define MARKER_GT 1
#define MARKER_GD 2
#define MARKER_FOOTER 3
#define GTE_BATCH 64                    /* entries copied per lookup */

bool
vmdk_is_kdmv (const uint8_t *p, size_t len)
{
  return len >= 4 && memcmp (p, "KDMV", 4) == 0;
}

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
    uint64_t e = gd_entry_size == 4 ? vmdk_le32 (raw + i * 4)
      : vmdk_le64 (raw + i * 8);
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
    out[i] = sp->entry_size == 4 ? vmdk_le32 (p) : vmdk_le64 (p);
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

static void
grow (uint8_t **buf, size_t *cap, size_t need)
{
  if (*cap < need) {
    free (*buf);
    *buf = xmalloc (need);      /* need is capped by the caller */
    *cap = need;
  }
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
  grow (&t->cbuf, &t->ccap, MAX (4096, max_size + 12));
  if (bfile_pread (sp->file, t->cbuf, first, run->file_off) == -1)
    return -1;
  lba = vmdk_le64 (t->cbuf);
  size = vmdk_le32 (t->cbuf + 8);
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
    grow (&t->gbuf, &t->gcap, sp->grain);
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

/* Hosted sparse extents. */

struct kdmv_header {
  uint32_t version, flags, gtes;
  uint64_t capacity, grain, desc_off, desc_size, rgd_off, gd_off, overhead;
  uint16_t compress;
};

static void
parse_header (const uint8_t *p, struct kdmv_header *h)
{
  h->version = vmdk_le32 (p + 4);
  h->flags = vmdk_le32 (p + 8);
  h->capacity = vmdk_le64 (p + 12);
  h->grain = vmdk_le64 (p + 20);
  h->desc_off = vmdk_le64 (p + 28);
  h->desc_size = vmdk_le64 (p + 36);
  h->gtes = vmdk_le32 (p + 44);
  h->rgd_off = vmdk_le64 (p + 48);
  h->gd_off = vmdk_le64 (p + 56);
  h->overhead = vmdk_le64 (p + 64);
  h->compress = (uint16_t) (p[77] | p[78] << 8);
}

/* Like qemu, the algorithm field alone also means compressed grains. */
static bool
is_compressed (const struct kdmv_header *h)
{
  return (h->flags & KDMV_FLAG_COMPRESSED) || h->compress == 1;
}

static int
check_header (struct bfile *f, const struct kdmv_header *h)
{
  if (h->version == 0 || h->version > 3) {
    set_error (ENOTSUP, "'%s': sparse extent version %" PRIu32
               " is not supported", f->name, h->version);
    return -1;
  }
  if (h->capacity > MAX_CAPACITY / VMDK_SECTOR) {
    set_error (EINVAL, "'%s': capacity %" PRIu64 " sectors is too large",
               f->name, h->capacity);
    return -1;
  }
  if (vmdk_check_grain (f, h->grain) == -1)
    return -1;
  if (h->gtes == 0 || h->gtes > KDMV_MAX_GTES) {
    set_error (EINVAL, "'%s': %" PRIu32 " grain table entries per grain "
               "table is out of range (1 to %d)", f->name, h->gtes,
               KDMV_MAX_GTES);
    return -1;
  }
  if (is_compressed (h)) {
    if (h->compress != 1) {
      set_error (ENOTSUP, "'%s': compression algorithm %u is not "
                 "supported", f->name, h->compress);
      return -1;
    }
    if (h->grain * VMDK_SECTOR > MAX_COMPRESSED_GRAIN) {
      set_error (ENOTSUP, "'%s': compressed grains of %" PRIu64
                 " sectors are too large", f->name, h->grain);
      return -1;
    }
  }
  return 0;
}

/* The footer of a stream file: FOOTER marker, header copy, EOS marker
 * in the last 1536 bytes.  0 and *h filled, or -1 (no usable footer,
 * no error set). */
static int
read_footer (struct bfile *f, struct kdmv_header *h)
{
  uint8_t b[1536];

  if (f->size < 1536 + VMDK_SECTOR ||
      bfile_pread (f, b, sizeof b, f->size - sizeof b) == -1) {
    clear_error ();
    return -1;
  }
  if (vmdk_le32 (b + 8) != 0 || vmdk_le32 (b + 12) != MARKER_FOOTER ||
      !vmdk_is_kdmv (b + 512, 4) || vmdk_le64 (b + 1024) != 0 ||
      vmdk_le32 (b + 1032) != 0 || vmdk_le32 (b + 1036) != MARKER_EOS)
    return -1;
  parse_header (b + 512, h);
  return 0;
}

/* No usable grain directory: index the grains by walking the markers
 * from the first grain to the end-of-stream marker. */
static int
scan_markers (struct vmdk_sparse *sp, uint64_t overhead)
{
  struct bfile *f = sp->file;
  uint64_t ngrains = DIV_ROUND_UP (sp->capacity, sp->grain);
  uint64_t pos, gsect = sp->grain / VMDK_SECTOR;
  uint8_t m[16];

  if (ngrains > MAX_STREAM_GRAINS) {
    set_error (ENOTSUP, "'%s': stream has no grain directory and too many "
               "grains to index", f->name);
    return -1;
  }
  sp->stream_index = calloc (ngrains ? ngrains : 1, sizeof (uint64_t));
  if (!sp->stream_index) {
    set_error (ENOMEM, "'%s': out of memory for the grain index", f->name);
    return -1;
  }
  if (MUL_OVERFLOW (overhead, (uint64_t) VMDK_SECTOR, &pos))
    pos = UINT64_MAX;
  for (;;) {
    uint64_t val, size, skip;
    if (pos > f->size || f->size - pos < sizeof m) {
      set_error (EINVAL, "'%s': stream is truncated (no end-of-stream "
                 "marker before the end of the file, and no footer)",
                 f->name);
      return -1;
    }
    if (bfile_pread (f, m, sizeof m, pos) == -1)
      return -1;
    val = vmdk_le64 (m);
    size = vmdk_le32 (m + 8);
    if (size != 0) {                    /* a grain */
      if (val % gsect != 0 || val >= sp->capacity / VMDK_SECTOR) {
        set_error (EINVAL, "'%s': grain marker at offset %" PRIu64
                   " has a bad sector number %" PRIu64, f->name, pos, val);
        return -1;
      }
      sp->stream_index[val / gsect] = pos;
      skip = ROUND_UP (12 + size, VMDK_SECTOR);
    }
    else if (vmdk_le32 (m + 12) == MARKER_EOS)
      return 0;
    else if (vmdk_le32 (m + 12) <= MARKER_FOOTER) {
      if (val > f->size / VMDK_SECTOR) {
        set_error (EINVAL, "'%s': metadata marker at offset %" PRIu64
                   " is longer than the file", f->name, pos);
        return -1;
      }
      skip = (val + 1) * VMDK_SECTOR;
    }
    else {
      set_error (EINVAL, "'%s': unknown marker type %" PRIu32
                 " at offset %" PRIu64, f->name, vmdk_le32 (m + 12), pos);
      return -1;
    }
    pos += skip;
  }
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

static int
kdmv_decode (struct vmdk_sparse *sp, uint64_t e, uint64_t gdi, uint64_t gti,
             struct vmdk_run *run)
{
  if (e == 0)
    run->type = RUN_HOLE;
  /* GTE 1 is a zeroed grain (flag 0x4); without the flag it would point
   * into the header, which no writer does: zeros either way. */
  else if (e == 1)
    run->type = RUN_ZERO;
  else {
    run->type = sp->compressed ? RUN_COMPRESSED : RUN_DATA;
    run->file_off = e * VMDK_SECTOR;
  }
  return 0;
}

static char *
read_descriptor (struct bfile *f, const struct kdmv_header *h)
{
  uint64_t off, len, end;
  char *text;

  if (h->desc_size > MAX_DESCRIPTOR / VMDK_SECTOR ||
      h->desc_off > f->size / VMDK_SECTOR) {
    set_error (EINVAL, "'%s': embedded descriptor (sector %" PRIu64 ", %"
               PRIu64 " sectors) is out of range", f->name, h->desc_off,
               h->desc_size);
    return NULL;
  }
  off = h->desc_off * VMDK_SECTOR;
  len = h->desc_size * VMDK_SECTOR;
  if (ADD_OVERFLOW (off, len, &end) || end > f->size) {
    set_error (EINVAL, "'%s': embedded descriptor goes past the end of "
               "the file", f->name);
    return NULL;
  }
  text = xmalloc (len + 1);
  if (bfile_pread (f, text, len, off) == -1) {
    free (text);
    return NULL;
  }
  text[len] = '\0';             /* and it stops at the first NUL */
  return text;
}

static int
load_gd_at (struct vmdk_sparse *sp, uint64_t sector)
{
  if (sector > sp->file->size / VMDK_SECTOR) {
    set_error (EINVAL, "'%s': grain directory offset %" PRIu64
               " is past the end of the file", sp->file->name, sector);
    return -1;
  }
  return vmdk_sparse_load_gd (sp, sector * VMDK_SECTOR, 4,
                              vmdk_sector_gd_decode);
}

/* The primary grain directory, or else the redundant copy (formats.md
 * 1.3: read the primary, fall back to the RGD if it is unusable). */
static int
load_gd (struct vmdk_sparse *sp, const struct kdmv_header *h)
{
  char *why;

  if (vmdk_sparse_size_gd (sp) == -1)
    return -1;                          /* no copy would do better */
  if (load_gd_at (sp, h->gd_off) == 0)
    return 0;
  if (h->rgd_off == 0 || h->rgd_off == h->gd_off)
    return -1;
  why = xstrdup (get_error ());
  free (sp->gd);
  sp->gd = NULL;
  if (load_gd_at (sp, h->rgd_off) == -1) {
    set_error (EINVAL, "%s (the redundant copy is unusable too)", why);
    free (why);
    return -1;
  }
  warning ("%s; using the redundant grain directory", why);
  free (why);
  return 0;
}

struct vmdk_sparse *
vmdk_kdmv_open (struct bfile *file, struct vmdk_kdmv_info *info)
{
  uint8_t b[VMDK_SECTOR];
  struct kdmv_header h, foot;
  struct vmdk_sparse *sp;

  memset (info, 0, sizeof *info);
  if (bfile_pread (file, b, sizeof b, 0) == -1)
    return NULL;
  parse_header (b, &h);
  if (check_header (file, &h) == -1)
    return NULL;
  if (h.desc_off != 0) {
    info->descriptor = read_descriptor (file, &h);
    if (!info->descriptor)
      return NULL;
  }
  sp = vmdk_sparse_new (file, "sparse");
  bool at_end = h.gd_off == KDMV_GD_AT_END;
  if (at_end && read_footer (file, &foot) == 0) {
    if (check_header (file, &foot) == -1)
      goto err;
    h.gd_off = foot.gd_off;
    h.capacity = foot.capacity;
    h.grain = foot.grain;
    h.gtes = foot.gtes;
    h.flags = foot.flags;
    at_end = h.gd_off == KDMV_GD_AT_END;
  }
  info->capacity = h.capacity * VMDK_SECTOR;
  sp->capacity = h.capacity * VMDK_SECTOR;
  sp->grain = h.grain * VMDK_SECTOR;
  sp->gt_entries = h.gtes;
  sp->entry_size = 4;
  sp->compressed = is_compressed (&h);
  sp->decode = kdmv_decode;
  if (h.capacity == 0) {
    if (!info->descriptor) {
      set_error (EINVAL, "'%s': capacity is 0 and there is no descriptor",
                 file->name);
      goto err;
    }
    return sp;                          /* descriptor-only sparse file */
  }
  if (at_end) {
    if (!sp->compressed || !(h.flags & KDMV_FLAG_MARKERS)) {
      set_error (EINVAL, "'%s': grain directory is at the end of the file "
                 "but there is no footer", file->name);
      goto err;
    }
    debug ("%s: no footer, indexing the stream by its markers", file->name);
    if (scan_markers (sp, h.overhead) == -1)
      goto err;
    return sp;
  }
  if (load_gd (sp, &h) == -1)
    goto err;
  return sp;

 err:
  free (info->descriptor);
  info->descriptor = NULL;
  vmdk_sparse_free (sp);
  return NULL;
}
