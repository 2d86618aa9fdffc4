/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: VMDK hosted sparse extents ("KDMV"): monolithicSparse, the
 * -sNNN extents of twoGbMaxExtentSparse, and streamOptimized.
 *
 * Follows docs/formats.md §1.3 and §1.4, after qemu
 * block/vmdk.c (vmdk_open_vmdk4) and VMware's "Virtual Disk Format 5.0"
 * technote.  The grain directory is found through the header; for a
 * stream whose header says GD_AT_END, through the footer at EOF-1024;
 * with neither, by scanning the grain markers.  The redundant grain
 * directory is read only when the primary is unusable.  Zeroed grains
 * (GTE 1) read as zeros and hide the parent.  Grain lookups and inflating
 * are in disk-vmdk-grains.c.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "checked.h"
#include "error.h"
#include "vmdk.h"
#include "xalloc.h"

#define KDMV_FLAG_ZEROED_GTE 0x4
#define KDMV_FLAG_COMPRESSED 0x10000
#define KDMV_FLAG_MARKERS 0x20000
#define KDMV_GD_AT_END UINT64_C (0xffffffffffffffff)
#define KDMV_MAX_GTES 512               /* qemu rejects more */

/* The hosted sparse header, sector 0 (docs/formats.md §1.3); a stream footer
 * holds a copy.  Little-endian, read with get_le* at these offsets:
 *   0 "KDMV"                 4 u32 version      8 u32 flags (KDMV_FLAG_*)
 *  12 u64 capacity (sectors) 20 u64 grain size  28 u64 descriptor offset
 *  36 u64 descriptor size    44 u32 GTEs per GT 48 u64 redundant GD offset
 *  56 u64 GD offset (or KDMV_GD_AT_END)         64 u64 overhead (sectors
 *  before the first grain)   72 u8 unclean shutdown  73 "\n \r\n"
 *  77 u16 compression (1: deflate, zlib)        79..511 padding */

/* The last 1536 bytes of a stream with a footer: a FOOTER marker (val 1)
 * in the first sector, the header copy in the second, an EOS marker in
 * the third. */
#define FOOTER_SIZE (3 * VMDK_SECTOR)

bool
vmdk_is_kdmv (const uint8_t *p, size_t len)
{
  return len >= 4 && memcmp (p, "KDMV", 4) == 0;
}

/* Hosted sparse extents. */

struct kdmv_header {
  uint32_t version, flags, gtes;
  uint64_t capacity, grain, desc_off, desc_size, rgd_off, gd_off, overhead;
  uint16_t compress;
};

static void
parse_header (const uint8_t *o, struct kdmv_header *h)
{
  h->version = get_le32 (o + 4);
  h->flags = get_le32 (o + 8);
  h->capacity = get_le64 (o + 12);
  h->grain = get_le64 (o + 20);
  h->desc_off = get_le64 (o + 28);
  h->desc_size = get_le64 (o + 36);
  h->gtes = get_le32 (o + 44);
  h->rgd_off = get_le64 (o + 48);
  h->gd_off = get_le64 (o + 56);
  h->overhead = get_le64 (o + 64);
  h->compress = get_le16 (o + 77);
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
  uint8_t b[FOOTER_SIZE];
  const uint8_t *marker = b, *header = b + VMDK_SECTOR;
  const uint8_t *eos = b + 2 * VMDK_SECTOR;

  if (f->size < sizeof b + VMDK_SECTOR ||
      bfile_pread (f, b, sizeof b, f->size - sizeof b) == -1) {
    clear_error ();
    return -1;
  }
  if (get_le32 (marker + 8) != 0 || get_le32 (marker + 12) != MARKER_FOOTER ||
      memcmp (header, "KDMV", 4) != 0 || get_le64 (eos) != 0 ||
      get_le32 (eos + 8) != 0 || get_le32 (eos + 12) != MARKER_EOS)
    return -1;
  parse_header (header, h);
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
  uint8_t m[MARKER_SIZE];

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
    val = get_le64 (m);
    size = get_le32 (m + 8);
    if (size != 0) {                    /* a grain */
      if (val % gsect != 0 || val >= sp->capacity / VMDK_SECTOR) {
        set_error (EINVAL, "'%s': grain marker at offset %" PRIu64
                   " has a bad sector number %" PRIu64, f->name, pos, val);
        return -1;
      }
      sp->stream_index[val / gsect] = pos;
      skip = ROUND_UP (12 + size, VMDK_SECTOR);
    }
    else if (get_le32 (m + 12) == MARKER_EOS)
      return 0;
    else if (get_le32 (m + 12) <= MARKER_FOOTER) {
      if (val > f->size / VMDK_SECTOR) {
        set_error (EINVAL, "'%s': metadata marker at offset %" PRIu64
                   " is longer than the file", f->name, pos);
        return -1;
      }
      skip = (val + 1) * VMDK_SECTOR;
    }
    else {
      set_error (EINVAL, "'%s': unknown marker type %" PRIu32
                 " at offset %" PRIu64, f->name, get_le32 (m + 12), pos);
      return -1;
    }
    pos += skip;
  }
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
  text = malloc (len + 1);               /* len <= MAX_DESCRIPTOR */
  if (!text) {
    set_error (ENOMEM, "'%s': out of memory for the descriptor", f->name);
    return NULL;
  }
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

/* The primary grain directory, or else the redundant copy
 * (docs/formats.md §1.3: read the primary, fall back to the RGD if it is
 * unusable). */
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
  warning ("vmdk-redundant-gd", "%s; using the redundant grain directory", why);
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
    /* The footer's header replaces the first one whole (qemu
     * vmdk_open_vmdk4): mixing them could pair the first header's
     * compression with the footer's unchecked 1 GiB grains. */
    if (check_header (file, &foot) == -1)
      goto err;
    h = foot;
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

