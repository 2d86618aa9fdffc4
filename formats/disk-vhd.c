/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: VHD block source (Virtual PC, Hyper-V generation 1, XenServer).
 *
 * Follows docs/formats.md §2 and the corner cases of its §10
 * (items 1 and 7), after Microsoft's "Virtual Hard Disk Image
 * Format Specification" v1.0 (via libyal libvhdi's documentation) and
 * qemu block/vpc.c.  All integers are big-endian.
 *
 * Fixed disks: the data, then a 512-byte footer (511 bytes in legacy
 * Virtual PC files).  Dynamic and differencing disks: a footer copy at
 * offset 0, a "cxsparse" header, a block allocation table (BAT) of
 * sector numbers (0xFFFFFFFF = not allocated), and blocks made of a
 * sector bitmap and the block's data.
 *
 * Policies (see the notes at each function):
 *   - virtual size: current_size, except for Virtual PC and old qemu
 *     files whose geometry is not the maximum, where it is C*H*S*512
 *     (qemu since 2024; docs/formats.md §2.3);
 *   - footer checksum: a mismatch is accepted with a warning only when
 *     the other copy of the footer (offset 0 or end of file) holds the
 *     same bytes, i.e. the creator computed the checksum wrongly (dfvfs
 *     image.vhd); otherwise the file is corrupt.  The dynamic header has
 *     no copy: a mismatch there is a warning, every field being checked;
 *   - dynamic disks read allocated blocks whole, ignoring the bitmap
 *     (qemu does: unwritten sectors of an allocated block are zero);
 *     differencing disks honour it: a clear bit reads the parent;
 *   - the parent is looked for by the locators W2ru, W2ku, MacX, then
 *     the parent unicode name, each as a sibling of the child (absolute
 *     Windows paths by their last component).  A parent whose unique id
 *     differs from the one recorded in the child is refused.
 *
 * Not supported: the deprecated disk types 1, 5 and 6 (ENOTSUP).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "blk.h"
#include "byteorder.h"
#include "checked.h"
#include "error.h"
#include "parent-name.h"
#include "xalloc.h"

extern const struct blk_driver vhd_blk;

#define VHD_SECTOR 512
#define VHD_FOOTER_SIZE 512
#define VHD_DYN_HEADER_SIZE 1024
#define VHD_BAT_HOLE 0xffffffffu

#define VHD_TYPE_FIXED 2
#define VHD_TYPE_DYNAMIC 3
#define VHD_TYPE_DIFF 4

/* Caps on untrusted header values.  2 TiB is above the spec's 2040 GiB
 * maximum; 256 MiB blocks are far above what any creator writes (2 MiB
 * usually, 512 KiB at least) and keep a bitmap to 64 KiB; the BAT cap
 * admits 2 TiB in 512 KiB blocks (16 MiB of table). */
#define MAX_VHD_SIZE (UINT64_C (2) << 40)
#define MAX_BLOCK_SIZE (UINT32_C (256) << 20)
#define MAX_BAT_ENTRIES (UINT32_C (1) << 22)
/* Longest parent locator or name read (bytes). */
#define MAX_LOCATOR_LEN 4096
/* Stop an extents() answer after this many entries. */
#define MAX_EXTENTS_PER_CALL 4096

/* Geometry that means "too large for CHS": use current_size. */
#define CHS_MAX_CYLS 65535
#define CHS_MAX_HEADS 16
#define CHS_MAX_SECTORS 255

struct vhd {
  struct blk *self;
  struct bfile *file;
  uint32_t type;
  uint64_t size;                /* virtual size */
  uint32_t block_size;          /* bytes, power of two */
  uint32_t bitmap_bytes;        /* sector bitmap in front of each block */
  uint32_t bat_entries;
  uint32_t *bat;                /* host order; read-only after open */
  struct blk *parent;           /* differencing only; == self->backing */
  uint8_t uuid[16];             /* this disk's unique id (footer) */
};

/* One's complement of the byte sum, the checksum field (at csum_off)
 * counted as zero. */
static uint32_t
vhd_checksum (const uint8_t *p, size_t len, size_t csum_off)
{
  uint32_t sum = 0;

  for (size_t i = 0; i < len; ++i)
    if (i < csum_off || i >= csum_off + 4)
      sum += p[i];
  return ~sum;
}

static int
vhd_probe (const uint8_t *head, size_t head_len,
           const uint8_t *tail, size_t tail_len)
{
  if (tail_len == VHD_FOOTER_SIZE && memcmp (tail, "conectix", 8) == 0)
    return 100;
  if (head_len >= VHD_FOOTER_SIZE && memcmp (head, "conectix", 8) == 0)
    return 100;
  /* Legacy 511-byte footer. */
  if (tail_len == VHD_FOOTER_SIZE && memcmp (tail + 1, "conectix", 8) == 0)
    return 90;
  return 0;
}

/* Read the footer copy at offset (len 512 or 511) into buf (512 bytes,
 * zero-padded).  Returns 1 if it has the cookie, 0 if not, -1 on error. */
static int
read_footer_at (struct bfile *f, uint64_t offset, size_t len, uint8_t *buf)
{
  memset (buf, 0, VHD_FOOTER_SIZE);
  if (f->size < offset + len)
    return 0;
  if (bfile_pread (f, buf, len, offset) == -1)
    return -1;
  return memcmp (buf, "conectix", 8) == 0;
}

static bool
footer_checksum_ok (const uint8_t *footer)
{
  return vhd_checksum (footer, VHD_FOOTER_SIZE, 64) == get_be32 (footer + 64);
}

/* Find and check the footer.  The tail is the primary copy; dynamic and
 * differencing disks keep a copy at offset 0, used when the tail is
 * missing (a truncated or over-allocated file, docs/formats.md §2.6).
 * *data_end is where a fixed disk's data ends. */
static int
read_footer (struct bfile *f, uint8_t *footer, uint64_t *data_end)
{
  uint8_t copy[VHD_FOOTER_SIZE];
  bool at_tail = true;
  int r;

  if (f->size < VHD_FOOTER_SIZE) {
    set_error (EINVAL, "'%s': file is too small for a VHD footer (%" PRIu64
               " bytes)", f->name, f->size);
    return -1;
  }
  *data_end = f->size - VHD_FOOTER_SIZE;
  r = read_footer_at (f, f->size - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE, footer);
  if (r == 0) {
    r = read_footer_at (f, f->size - 511, 511, footer);
    if (r == 1)
      *data_end = f->size - 511;
  }
  if (r == -1)
    return -1;
  if (r == 0) {
    r = read_footer_at (f, 0, VHD_FOOTER_SIZE, footer);
    if (r == -1)
      return -1;
    if (r == 0) {
      set_error (EINVAL, "'%s': no VHD footer (\"conectix\") at the end "
                 "or at the start of the file", f->name);
      return -1;
    }
    at_tail = false;
    warning ("vhd-footer-missing", "'%s': VHD footer missing at the end of the file, using the "
             "copy at offset 0", f->name);
  }
  if (footer_checksum_ok (footer))
    return 0;

  /* Bad checksum: accept it only if the other copy says the same. */
  r = at_tail ? read_footer_at (f, 0, VHD_FOOTER_SIZE, copy)
    : read_footer_at (f, f->size - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE, copy);
  if (r == -1)
    return -1;
  if (r == 1 && memcmp (copy, footer, VHD_FOOTER_SIZE) == 0) {
    warning ("vhd-footer-checksum", "'%s': VHD footer checksum is wrong (stored %08" PRIx32
             ", computed %08" PRIx32 ") but both copies agree: using it",
             f->name, get_be32 (footer + 64),
             vhd_checksum (footer, VHD_FOOTER_SIZE, 64));
    return 0;
  }
  set_error (EINVAL, "'%s': VHD footer checksum is wrong (stored %08" PRIx32
             ", computed %08" PRIx32 ") and no identical copy exists",
             f->name, get_be32 (footer + 64),
             vhd_checksum (footer, VHD_FOOTER_SIZE, 64));
  return -1;
}

/* Virtual size from the footer (docs/formats.md §2.3). */
static int
footer_size (struct bfile *f, const uint8_t *footer, uint64_t *size)
{
  uint64_t current = get_be64 (footer + 48);
  uint32_t cyls = get_be16 (footer + 56);
  uint32_t heads = footer[58], secs = footer[59];
  uint64_t chs = (uint64_t) cyls * heads * secs * VHD_SECTOR;
  bool chs_max = cyls == CHS_MAX_CYLS && heads == CHS_MAX_HEADS &&
    secs == CHS_MAX_SECTORS;

  *size = current;
  if ((memcmp (footer + 28, "vpc ", 4) == 0 ||
       memcmp (footer + 28, "qemu", 4) == 0) && !chs_max) {
    if (chs != current)
      debug ("'%s': creator '%.4s': virtual size from the geometry "
             "%" PRIu32 "/%" PRIu32 "/%" PRIu32 " (%" PRIu64 "), not the "
             "current size %" PRIu64, f->name, footer + 28, cyls, heads,
             secs, chs, current);
    *size = chs;
  }
  if (*size > MAX_VHD_SIZE || *size % VHD_SECTOR != 0) {
    set_error (EINVAL, "'%s': virtual size %" PRIu64 " is not a multiple "
               "of 512 or is larger than %" PRIu64, f->name, *size,
               MAX_VHD_SIZE);
    return -1;
  }
  return 0;
}

/* Read the dynamic header at footer.data_offset and the BAT. */
static int
open_dynamic (struct vhd *h, const uint8_t *footer, uint8_t *dyn)
{
  struct bfile *f = h->file;
  uint64_t dyn_off = get_be64 (footer + 16), bat_off, bat_bytes, end, covered;
  uint8_t *raw;

  if (dyn_off > f->size || f->size - dyn_off < VHD_DYN_HEADER_SIZE) {
    set_error (EINVAL, "'%s': dynamic header offset %" PRIu64 " is past "
               "the end of the file", f->name, dyn_off);
    return -1;
  }
  if (bfile_pread (f, dyn, VHD_DYN_HEADER_SIZE, dyn_off) == -1)
    return -1;
  if (memcmp (dyn, "cxsparse", 8) != 0) {
    set_error (EINVAL, "'%s': no dynamic header (\"cxsparse\") at offset "
               "%" PRIu64, f->name, dyn_off);
    return -1;
  }
  if (vhd_checksum (dyn, VHD_DYN_HEADER_SIZE, 36) != get_be32 (dyn + 36))
    warning ("vhd-header-checksum", "'%s': VHD dynamic header checksum is wrong (stored %08"
             PRIx32 ", computed %08" PRIx32 "): using it", f->name,
             get_be32 (dyn + 36), vhd_checksum (dyn, VHD_DYN_HEADER_SIZE, 36));

  h->block_size = get_be32 (dyn + 32);
  if (h->block_size < VHD_SECTOR || !is_power_of_2 (h->block_size) ||
      h->block_size > MAX_BLOCK_SIZE) {
    set_error (EINVAL, "'%s': block size %" PRIu32 " is not a power of two "
               "between 512 and %" PRIu32, f->name, h->block_size,
               MAX_BLOCK_SIZE);
    return -1;
  }
  h->bitmap_bytes = ROUND_UP (h->block_size / VHD_SECTOR / 8, VHD_SECTOR);
  h->bat_entries = get_be32 (dyn + 28);
  covered = (uint64_t) h->bat_entries * h->block_size;  /* < 2^60 */
  if (h->bat_entries > MAX_BAT_ENTRIES || covered < h->size) {
    set_error (EINVAL, "'%s': block allocation table has %" PRIu32
               " entries of %" PRIu32 " bytes for a disk of %" PRIu64
               " bytes (at most %" PRIu32 " entries)", f->name,
               h->bat_entries, h->block_size, h->size, MAX_BAT_ENTRIES);
    return -1;
  }
  bat_off = get_be64 (dyn + 16);
  bat_bytes = (uint64_t) h->bat_entries * 4;
  if (ADD_OVERFLOW (bat_off, bat_bytes, &end) || end > f->size) {
    set_error (EINVAL, "'%s': block allocation table (offset %" PRIu64
               ", %" PRIu32 " entries) is past the end of the file",
               f->name, bat_off, h->bat_entries);
    return -1;
  }
  raw = malloc (bat_bytes ? bat_bytes : 1);
  h->bat = malloc ((bat_bytes ? bat_bytes : 1));
  if (!raw || !h->bat) {
    free (raw);
    set_error (ENOMEM, "'%s': cannot allocate the block allocation table",
               f->name);
    return -1;
  }
  if (bat_bytes && bfile_pread (f, raw, bat_bytes, bat_off) == -1) {
    free (raw);
    return -1;
  }
  for (uint32_t i = 0; i < h->bat_entries; ++i) {
    uint32_t e = get_be32 (raw + (uint64_t) i * 4);
    uint64_t start = (uint64_t) i * h->block_size;
    uint64_t need = h->bitmap_bytes +
      (start < h->size ? MIN ((uint64_t) h->block_size, h->size - start) : 0);
    if (e != VHD_BAT_HOLE &&
        ((uint64_t) e * VHD_SECTOR + need > f->size)) {
      set_error (EINVAL, "'%s': block allocation table entry %" PRIu32
                 " (sector %" PRIu32 ") points past the end of the file",
                 f->name, i, e);
      free (raw);
      return -1;
    }
    h->bat[i] = e;
  }
  free (raw);
  return 0;
}

/* The parent names to try, in order (docs/formats.md §2.5). */
static int
parent_candidates (struct vhd *h, const uint8_t *dyn, string_vector *names)
{
  static const char *const order[] = { "W2ru", "W2ku", "MacX" };
  struct bfile *f = h->file;

  for (size_t o = 0; o < sizeof order / sizeof order[0]; ++o) {
    for (int i = 0; i < 8; ++i) {
      const uint8_t *e = dyn + 576 + i * 24;
      uint32_t len = get_be32 (e + 8);
      uint64_t off = get_be64 (e + 16), end;
      uint8_t *buf;
      char *name;

      if (memcmp (e, order[o], 4) != 0 || len == 0)
        continue;
      if (len > MAX_LOCATOR_LEN ||
          ADD_OVERFLOW (off, (uint64_t) len, &end) || end > f->size) {
        set_error (EINVAL, "'%s': parent locator %d (%s, offset %" PRIu64
                   ", %" PRIu32 " bytes) is past the end of the file or too "
                   "long", f->name, i, order[o], off, len);
        return -1;
      }
      buf = xmalloc (len);
      if (bfile_pread (f, buf, len, off) == -1) {
        free (buf);
        return -1;
      }
      name = o < 2 ? utf16_to_utf8 (buf, len, false)
        : xstrndup ((char *) buf, len);
      free (buf);
      parent_path_to_name (name);
      if (name[0])
        string_vector_append (names, name);
      else
        free (name);
    }
  }
  {
    char *name = utf16_to_utf8 (dyn + 64, 512, true);
    parent_path_to_name (name);
    if (name[0])
      string_vector_append (names, name);
    else
      free (name);
  }
  return 0;
}

/* Open the parent of a differencing disk: the first candidate that
 * exists.  Any failure other than "does not exist" is reported as is. */
static int
open_parent (struct vhd *h, const uint8_t *dyn)
{
  string_vector names = empty_vector;
  char *tried = xstrdup ("");
  int r = -1;

  if (parent_candidates (h, dyn, &names) == -1)
    goto out;
  for (size_t i = 0; i < names.len; ++i) {
    struct blk *p;
    bool dup = false;

    for (size_t j = 0; j < i; ++j)
      dup |= strcmp (names.ptr[i], names.ptr[j]) == 0;
    if (dup)
      continue;
    p = blk_open_backing (h->self, names.ptr[i], NULL);
    if (p) {
      h->parent = p;
      r = 0;
      goto out;
    }
    if (get_errno () != ENOENT)
      goto out;
    {
      char *t = xasprintf ("%s%s'%s'", tried, tried[0] ? ", " : "",
                           names.ptr[i]);
      free (tried);
      tried = t;
    }
  }
  set_error (ENOENT, "'%s': parent disk not found (locators: %s)",
             h->file->name, tried[0] ? tried : "none");
 out:
  free (tried);
  string_vector_free_all (&names);
  return r;
}

/* The parent's unique id must be the one the child recorded. */
static int
check_parent_id (struct vhd *h, const uint8_t *dyn)
{
  const struct vhd *ph;

  if (h->parent->drv != &vhd_blk)
    return 0;
  ph = h->parent->handle;
  if (memcmp (ph->uuid, dyn + 40, 16) != 0) {
    set_error (EINVAL, "'%s': parent '%s' is not the disk this snapshot "
               "was taken from (its unique id differs)", h->file->name,
               h->parent->name);
    return -1;
  }
  return 0;
}

static void vhd_close (void *hv);

static void *
vhd_open (struct blk *self, struct bfile *file)
{
  uint8_t footer[VHD_FOOTER_SIZE], dyn[VHD_DYN_HEADER_SIZE];
  uint64_t data_end;
  struct vhd *h;

  if (read_footer (file, footer, &data_end) == -1)
    return NULL;
  h = xzalloc (sizeof *h);
  h->self = self;
  h->file = file;
  h->type = get_be32 (footer + 60);
  memcpy (h->uuid, footer + 68, 16);
  if (footer_size (file, footer, &h->size) == -1)
    goto err;
  switch (h->type) {
  case VHD_TYPE_FIXED:
    if (h->size > data_end) {
      set_error (EINVAL, "'%s': fixed VHD of %" PRIu64 " bytes holds only "
                 "%" PRIu64 " bytes of data (truncated?)", file->name,
                 h->size, data_end);
      goto err;
    }
    blk_set_subformat (self, "fixed");
    break;
  case VHD_TYPE_DYNAMIC:
  case VHD_TYPE_DIFF:
    if (open_dynamic (h, footer, dyn) == -1)
      goto err;
    blk_set_subformat (self, h->type == VHD_TYPE_DYNAMIC ? "dynamic"
                       : "differencing");
    if (h->type == VHD_TYPE_DIFF &&
        (open_parent (h, dyn) == -1 || check_parent_id (h, dyn) == -1))
      goto err;
    break;
  default:
    set_error (ENOTSUP, "'%s': VHD disk type %" PRIu32 " is not supported "
               "(only fixed, dynamic and differencing)", file->name, h->type);
    goto err;
  }
  blk_set_size (self, h->size);
  return h;

 err:
  vhd_close (h);
  return NULL;
}

/* Read a block's sector bitmap (the caller frees it). */
static uint8_t *
read_bitmap (struct vhd *h, uint32_t e)
{
  uint8_t *bm = malloc (h->bitmap_bytes);

  if (!bm) {
    set_error (ENOMEM, "'%s': cannot allocate a sector bitmap", h->file->name);
    return NULL;
  }
  if (bfile_pread (h->file, bm, h->bitmap_bytes,
                   (uint64_t) e * VHD_SECTOR) == -1) {
    free (bm);
    return NULL;
  }
  return bm;
}

static inline bool
bit_set (const uint8_t *bm, uint64_t sector)
{
  return bm[sector / 8] & (0x80 >> (sector % 8));
}

/* Length of the run of sectors with the same bitmap bit as the one at
 * byte in (in-block offset), capped at max bytes. */
static uint64_t
bitmap_run (const uint8_t *bm, uint64_t in, uint64_t max)
{
  uint64_t s = in / VHD_SECTOR;
  bool v = bit_set (bm, s);
  uint64_t len = (s + 1) * VHD_SECTOR - in;

  while (len < max && bit_set (bm, s + 1) == v) {
    ++s;
    len += VHD_SECTOR;
  }
  return MIN (len, max);
}

/* Read count bytes inside one allocated block (BAT entry e). */
static int
block_pread (struct vhd *h, uint32_t e, uint8_t *buf, size_t count,
             uint64_t offset)
{
  uint64_t in = offset % h->block_size;
  uint64_t data = (uint64_t) e * VHD_SECTOR + h->bitmap_bytes;
  uint8_t *bm;

  if (h->type != VHD_TYPE_DIFF)
    return bfile_pread (h->file, buf, count, data + in);
  bm = read_bitmap (h, e);
  if (!bm)
    return -1;
  while (count > 0) {
    size_t n = bitmap_run (bm, in, count);
    int r = bit_set (bm, in / VHD_SECTOR)
      ? bfile_pread (h->file, buf, n, data + in)
      : blk_backing_pread (h->parent, buf, n, offset);
    if (r == -1) {
      free (bm);
      return -1;
    }
    buf += n; offset += n; in += n; count -= n;
  }
  free (bm);
  return 0;
}

static int
vhd_pread (void *hv, void *bufv, size_t count, uint64_t offset)
{
  struct vhd *h = hv;
  uint8_t *buf = bufv;

  if (h->type == VHD_TYPE_FIXED)
    return bfile_pread (h->file, buf, count, offset);
  while (count > 0) {
    uint64_t blk = offset / h->block_size;
    size_t n = MIN ((uint64_t) count,
                    h->block_size - offset % h->block_size);
    uint32_t e = h->bat[blk];
    int r = e != VHD_BAT_HOLE ? block_pread (h, e, buf, n, offset)
      : blk_backing_pread (h->parent, buf, n, offset);
    if (r == -1)
      return -1;
    buf += n; offset += n; count -= n;
  }
  return 0;
}

static int
vhd_extents (void *hv, uint64_t offset, uint64_t count, extent_list *out)
{
  struct vhd *h = hv;
  uint64_t end = offset + count;

  if (h->type == VHD_TYPE_FIXED)
    return bfile_extents (h->file, offset, count, out);
  while (offset < end && out->len < MAX_EXTENTS_PER_CALL) {
    uint64_t in = offset % h->block_size;
    uint64_t n = MIN (end - offset, h->block_size - in);
    uint32_t e = h->bat[offset / h->block_size];

    if (e == VHD_BAT_HOLE) {
      if (blk_backing_extents (h->parent, offset, n, out) == -1)
        return -1;
    }
    else if (h->type != VHD_TYPE_DIFF)
      extent_list_add (out, offset, n, EXT_DATA);
    else {
      uint8_t *bm = read_bitmap (h, e);
      if (!bm)
        return -1;
      for (uint64_t done = 0; done < n; ) {
        uint64_t r = bitmap_run (bm, in + done, n - done);
        if (bit_set (bm, (in + done) / VHD_SECTOR))
          extent_list_add (out, offset + done, r, EXT_DATA);
        else if (blk_backing_extents (h->parent, offset + done, r,
                                      out) == -1) {
          free (bm);
          return -1;
        }
        done += r;
      }
      free (bm);
    }
    offset += n;
  }
  return 0;
}

static void
vhd_close (void *hv)
{
  struct vhd *h = hv;

  blk_close (h->parent);
  free (h->bat);
  free (h);
}

const struct blk_driver vhd_blk = {
  .name    = "vhd",
  .probe   = vhd_probe,
  .open    = vhd_open,
  .pread   = vhd_pread,
  .extents = vhd_extents,
  .close   = vhd_close,
};
