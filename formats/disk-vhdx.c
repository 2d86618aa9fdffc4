/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: VHDX block source (Hyper-V, Windows 8 and later).
 *
 * Follows [MS-VHDX] as summarised in docs/formats.md §3 (via libyal
 * libvhdi's documentation) and qemu block/vhdx.c.  All integers are
 * little-endian; GUIDs are stored mixed-endian and compared as bytes.
 * The file: an identifier, two headers (the valid one with the larger
 * sequence number wins; CRC-32C checked), two region tables (the BAT
 * and the metadata region), metadata items (block size, virtual size,
 * logical sector size, parent locator), and the block allocation table:
 * one u64 per payload block (state in bits 0-2, file offset in MiB in
 * bits 20-63) with one sector-bitmap entry after every chunk_ratio
 * payload entries.
 *
 * The BAT is not loaded: each lookup reads one entry (blocks are 1 MiB
 * or more), so memory does not grow with the disk.  Payload states:
 * FULLY_PRESENT is data; ZERO reads as zeros (EXT_ZERO); NOT_PRESENT,
 * UNDEFINED and UNMAPPED read as zeros (EXT_HOLE), or, in a differencing
 * disk, from the parent; PARTIALLY_PRESENT (differencing only) consults
 * the chunk's sector bitmap (1 = sector in this file, LSB first).
 *
 * The parent is found by the locator's relative_path, then the last
 * component of absolute_win32_path and volume_path, as siblings.  Its
 * parent_linkage GUID is not compared with the parent's data write GUID.
 *
 * Not supported (ENOTSUP): a log that needs replaying (the file was not
 * closed cleanly: open it in Hyper-V or run qemu-img check -r all), an
 * unknown required region or metadata item.
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

extern const struct blk_driver vhdx_blk;

#define KiB 1024
#define MiB (1024 * 1024)
#define HEADER_SIZE (4 * KiB)
#define REGION_TABLE_SIZE (64 * KiB)
#define MAX_REGIONS 2047
#define MAX_METADATA_ENTRIES 2047
#define METADATA_TABLE_SIZE (64 * KiB)
/* Caps: the spec's limits (64 TiB disks, 256 MiB blocks). */
#define MAX_VHDX_SIZE (UINT64_C (64) << 40)
#define MIN_BLOCK_SIZE MiB
#define MAX_BLOCK_SIZE (256 * MiB)
#define MAX_LOCATOR_BYTES (64 * KiB)
#define MAX_EXTENTS_PER_CALL 4096

/* Payload block states. */
#define PAYLOAD_NOT_PRESENT 0
#define PAYLOAD_UNDEFINED 1
#define PAYLOAD_ZERO 2
#define PAYLOAD_UNMAPPED 3
#define PAYLOAD_FULLY_PRESENT 6
#define PAYLOAD_PARTIALLY_PRESENT 7
#define SB_BLOCK_PRESENT 6

/* GUIDs as stored (first three groups little-endian). */
#define G(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7) {                 \
    (a) & 0xff, (a) >> 8 & 0xff, (a) >> 16 & 0xff, (a) >> 24 & 0xff, \
    (b) & 0xff, (b) >> 8 & 0xff, (c) & 0xff, (c) >> 8 & 0xff,        \
    d0, d1, d2, d3, d4, d5, d6, d7 }
static const uint8_t GUID_BAT[16] =
  G (0x2DC27766, 0xF623, 0x4200, 0x9D, 0x64, 0x11, 0x5E, 0x9B, 0xFD, 0x4A, 0x08);
static const uint8_t GUID_METADATA[16] =
  G (0x8B7CA206, 0x4790, 0x4B9A, 0xB8, 0xFE, 0x57, 0x5F, 0x05, 0x0F, 0x88, 0x6E);
static const uint8_t GUID_FILE_PARAMS[16] =
  G (0xCAA16737, 0xFA36, 0x4D43, 0xB3, 0xB6, 0x33, 0xF0, 0xAA, 0x44, 0xE7, 0x6B);
static const uint8_t GUID_DISK_SIZE[16] =
  G (0x2FA54224, 0xCD1B, 0x4876, 0xB2, 0x11, 0x5D, 0xBE, 0xD8, 0x3B, 0xF4, 0xB8);
static const uint8_t GUID_PAGE83[16] =
  G (0xBECA12AB, 0xB2E6, 0x4523, 0x93, 0xEF, 0xC3, 0x09, 0xE0, 0x00, 0xC7, 0x46);
static const uint8_t GUID_LOGICAL_SECTOR[16] =
  G (0x8141BF1D, 0xA96F, 0x4709, 0xBA, 0x47, 0xF2, 0x33, 0xA8, 0xFA, 0xAB, 0x5F);
static const uint8_t GUID_PHYSICAL_SECTOR[16] =
  G (0xCDA348C7, 0x445D, 0x4471, 0x9C, 0xC9, 0xE9, 0x88, 0x52, 0x51, 0xC5, 0x56);
static const uint8_t GUID_PARENT_LOCATOR[16] =
  G (0xA8D35F2D, 0xB30B, 0x454D, 0xAB, 0xF7, 0xD3, 0xD8, 0x48, 0x34, 0xAB, 0x0C);
static const uint8_t GUID_VHDX_LOCATOR_TYPE[16] =
  G (0xB04AEFB7, 0xD19E, 0x4A81, 0xB7, 0x89, 0x25, 0xB8, 0xE9, 0x44, 0x59, 0x13);
static const uint8_t GUID_ZERO[16];

struct vhdx {
  struct blk *self;
  struct bfile *file;
  uint64_t size;
  uint32_t block_size;
  uint32_t sector_size;         /* logical */
  uint64_t chunk_ratio;
  uint64_t bat_off, bat_len;    /* region */
  bool has_parent;
  bool fixed;                   /* LeaveBlocksAllocated */
  struct blk *parent;           /* == self->backing, or NULL */
};

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of buf with the
 * 4 bytes at csum_off counted as zero. */
static uint32_t
crc32c (const uint8_t *buf, size_t len, size_t csum_off)
{
  uint32_t crc = 0xffffffff;

  for (size_t i = 0; i < len; ++i) {
    crc ^= i >= csum_off && i < csum_off + 4 ? 0 : buf[i];
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return ~crc;
}

static bool
crc_ok (const uint8_t *buf, size_t len)
{
  return crc32c (buf, len, 4) == get_le32 (buf + 4);
}

static int
vhdx_probe (const uint8_t *head, size_t head_len,
            const uint8_t *tail, size_t tail_len)
{
  return head_len >= 8 && memcmp (head, "vhdxfile", 8) == 0 ? 100 : 0;
}

/* Read the current header (docs/formats.md §3): refuse a log to replay. */
static int
read_headers (struct vhdx *h)
{
  struct bfile *f = h->file;
  uint8_t *hd = xmalloc (2 * HEADER_SIZE), *best = NULL;
  int r = -1;

  for (int i = 0; i < 2; ++i) {
    uint8_t *p = hd + i * HEADER_SIZE;
    bool ok = f->size >= (uint64_t) (i + 2) * 64 * KiB &&
      bfile_pread (f, p, HEADER_SIZE, (uint64_t) (i + 1) * 64 * KiB) == 0 &&
      memcmp (p, "head", 4) == 0 && crc_ok (p, HEADER_SIZE);
    clear_error ();
    if (ok && (!best || get_le64 (p + 8) > get_le64 (best + 8)))
      best = p;
  }
  if (!best)
    set_error (EINVAL, "'%s': no valid VHDX header (both copies are "
               "damaged or missing)", f->name);
  else if (get_le16 (best + 66) != 1)
    set_error (ENOTSUP, "'%s': VHDX version %u is not supported", f->name,
               get_le16 (best + 66));
  else if (memcmp (best + 48, GUID_ZERO, 16) != 0)
    set_error (ENOTSUP, "'%s': VHDX log must be replayed first (the disk "
               "was not closed cleanly): open it once in Hyper-V, or run "
               "'qemu-img check -r all'", f->name);
  else
    r = 0;
  free (hd);
  return r;
}

/* Find the BAT and metadata regions in a valid region table. */
static int
read_regions (struct vhdx *h, uint64_t *meta_off, uint64_t *meta_len)
{
  struct bfile *f = h->file;
  uint8_t *rt = xmalloc (REGION_TABLE_SIZE);
  int r = -1;

  for (int i = 0; i < 2 && r == -1; ++i) {
    uint32_t n;
    if (f->size < (uint64_t) (4 + i) * 64 * KiB ||
        bfile_pread (f, rt, REGION_TABLE_SIZE,
                     (uint64_t) (3 + i) * 64 * KiB) == -1) {
      clear_error ();
      continue;
    }
    n = get_le32 (rt + 8);
    if (memcmp (rt, "regi", 4) != 0 || !crc_ok (rt, REGION_TABLE_SIZE) ||
        n > MAX_REGIONS)
      continue;
    h->bat_len = *meta_len = 0;
    for (uint32_t k = 0; k < n; ++k) {
      const uint8_t *e = rt + 16 + k * 32;
      uint64_t off = get_le64 (e + 16), len = get_le32 (e + 24), end;
      if (ADD_OVERFLOW (off, len, &end) || end > f->size) {
        set_error (EINVAL, "'%s': region %" PRIu32 " (offset %" PRIu64
                   ", %" PRIu64 " bytes) is past the end of the file",
                   f->name, k, off, len);
        goto out;
      }
      if (memcmp (e, GUID_BAT, 16) == 0)
        h->bat_off = off, h->bat_len = len;
      else if (memcmp (e, GUID_METADATA, 16) == 0)
        *meta_off = off, *meta_len = len;
      else if (get_le32 (e + 28) & 1) {
        set_error (ENOTSUP, "'%s': unknown required VHDX region", f->name);
        goto out;
      }
    }
    r = 0;
  }
  if (r == -1)
    set_error (EINVAL, "'%s': no valid VHDX region table", f->name);
  else if (h->bat_len == 0 || *meta_len < METADATA_TABLE_SIZE) {
    set_error (EINVAL, "'%s': VHDX region table lacks the BAT or the "
               "metadata region", f->name);
    r = -1;
  }
 out:
  free (rt);
  return r;
}

/* Copy metadata item e (length want, or any length for want 0) into
 * a new buffer. */
static uint8_t *
read_item (struct vhdx *h, uint64_t meta_off, uint64_t meta_len,
           const uint8_t *e, uint32_t want, uint32_t *len_out)
{
  uint32_t off = get_le32 (e + 16), len = get_le32 (e + 20);
  uint8_t *buf;

  if ((want && len < want) || len > MAX_LOCATOR_BYTES ||
      off < METADATA_TABLE_SIZE || (uint64_t) off + len > meta_len) {
    set_error (EINVAL, "'%s': VHDX metadata item (offset %" PRIu32 ", %"
               PRIu32 " bytes) is outside the metadata region or has the "
               "wrong size", h->file->name, off, len);
    return NULL;
  }
  buf = xmalloc (len ? len : 1);
  if (len && bfile_pread (h->file, buf, len, meta_off + off) == -1) {
    free (buf);
    return NULL;
  }
  *len_out = len;
  return buf;
}

enum item { ITEM_UNKNOWN, ITEM_IGNORED, ITEM_PARAMS, ITEM_SIZE,
            ITEM_SECTOR, ITEM_LOCATOR };

static enum item
item_kind (const uint8_t *guid)
{
  if (memcmp (guid, GUID_FILE_PARAMS, 16) == 0) return ITEM_PARAMS;
  if (memcmp (guid, GUID_DISK_SIZE, 16) == 0) return ITEM_SIZE;
  if (memcmp (guid, GUID_LOGICAL_SECTOR, 16) == 0) return ITEM_SECTOR;
  if (memcmp (guid, GUID_PARENT_LOCATOR, 16) == 0) return ITEM_LOCATOR;
  if (memcmp (guid, GUID_PAGE83, 16) == 0 ||
      memcmp (guid, GUID_PHYSICAL_SECTOR, 16) == 0)
    return ITEM_IGNORED;
  return ITEM_UNKNOWN;
}

/* Metadata items: block size, flags, size, sector size, locator. */
static int
read_metadata (struct vhdx *h, uint64_t meta_off, uint64_t meta_len,
               uint8_t **locator, uint32_t *loc_len)
{
  static const uint32_t want[] = {
    [ITEM_PARAMS] = 8, [ITEM_SIZE] = 8, [ITEM_SECTOR] = 4, [ITEM_LOCATOR] = 20
  };
  struct bfile *f = h->file;
  uint8_t *mt = xmalloc (METADATA_TABLE_SIZE);
  uint32_t n, len, found = 0;
  int r = -1;

  if (bfile_pread (f, mt, METADATA_TABLE_SIZE, meta_off) == -1)
    goto out;
  n = get_le16 (mt + 10);
  if (memcmp (mt, "metadata", 8) != 0 || n > MAX_METADATA_ENTRIES) {
    set_error (EINVAL, "'%s': bad VHDX metadata table", f->name);
    goto out;
  }
  for (uint32_t k = 0; k < n; ++k) {
    const uint8_t *e = mt + 32 + k * 32;
    enum item kind = item_kind (e);
    uint8_t *v;

    if (kind == ITEM_UNKNOWN && (get_le32 (e + 24) & 4)) {
      set_error (ENOTSUP, "'%s': unknown required VHDX metadata item",
                 f->name);
      goto out;
    }
    if (kind == ITEM_UNKNOWN || kind == ITEM_IGNORED)
      continue;
    v = read_item (h, meta_off, meta_len, e, want[kind], &len);
    if (!v)
      goto out;
    switch (kind) {
    case ITEM_PARAMS:
      h->block_size = get_le32 (v);
      h->fixed = get_le32 (v + 4) & 1;
      h->has_parent = get_le32 (v + 4) & 2;
      break;
    case ITEM_SIZE: h->size = get_le64 (v); break;
    case ITEM_SECTOR: h->sector_size = get_le32 (v); break;
    default:                    /* ITEM_LOCATOR */
      free (*locator);
      *locator = v, *loc_len = len;
      v = NULL;
    }
    found |= 1u << kind;
    free (v);
  }
  if ((found & 0x1c) != 0x1c) {
    set_error (EINVAL, "'%s': VHDX metadata lacks the file parameters, the "
               "virtual disk size or the logical sector size", f->name);
    goto out;
  }
  r = 0;
 out:
  free (mt);
  return r;
}

/* Check the geometry and compute the chunk ratio. */
static int
check_geometry (struct vhdx *h)
{
  struct bfile *f = h->file;
  uint64_t blocks, entries;

  if (h->block_size < MIN_BLOCK_SIZE || h->block_size > MAX_BLOCK_SIZE ||
      !is_power_of_2 (h->block_size)) {
    set_error (EINVAL, "'%s': block size %" PRIu32 " is not a power of two "
               "between 1 MiB and 256 MiB", f->name, h->block_size);
    return -1;
  }
  if (h->sector_size != 512 && h->sector_size != 4096) {
    set_error (EINVAL, "'%s': logical sector size %" PRIu32 " is not 512 "
               "or 4096", f->name, h->sector_size);
    return -1;
  }
  if (h->size == 0 || h->size > MAX_VHDX_SIZE ||
      h->size % h->sector_size) {
    set_error (EINVAL, "'%s': virtual size %" PRIu64 " is zero, too large "
               "or not a multiple of the sector size", f->name, h->size);
    return -1;
  }
  h->chunk_ratio = ((UINT64_C (1) << 23) * h->sector_size) / h->block_size;
  blocks = DIV_ROUND_UP (h->size, h->block_size);
  entries = h->has_parent
    ? DIV_ROUND_UP (blocks, h->chunk_ratio) * (h->chunk_ratio + 1)
    : blocks + (blocks - 1) / h->chunk_ratio;
  if (entries > h->bat_len / 8) {
    set_error (EINVAL, "'%s': BAT region (%" PRIu64 " bytes) is too small "
               "for %" PRIu64 " entries", f->name, h->bat_len, entries);
    return -1;
  }
  return 0;
}

/* Open the parent named by the locator (docs/formats.md §3). */
static int
open_parent (struct vhdx *h, const uint8_t *loc, uint32_t len)
{
  static const char *const keys[] = {
    "relative_path", "absolute_win32_path", "volume_path"
  };
  struct bfile *f = h->file;
  char *tried = xstrdup ("");
  uint32_t n;
  int r = -1;

  if (!loc || memcmp (loc, GUID_VHDX_LOCATOR_TYPE, 16) != 0) {
    set_error (EINVAL, "'%s': differencing VHDX without a VHDX parent "
               "locator", f->name);
    goto out;
  }
  n = get_le16 (loc + 18);
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; ++k) {
    for (uint32_t i = 0; i < n && (uint64_t) 20 + (i + 1) * 12 <= len; ++i) {
      const uint8_t *e = loc + 20 + i * 12;
      uint32_t ko = get_le32 (e), vo = get_le32 (e + 4);
      uint32_t kl = get_le16 (e + 8), vl = get_le16 (e + 10);
      char *key, *name;
      struct blk *p;

      if ((uint64_t) ko + kl > len || (uint64_t) vo + vl > len) {
        set_error (EINVAL, "'%s': parent locator entry %" PRIu32 " is "
                   "outside the locator", f->name, i);
        goto out;
      }
      key = utf16_to_utf8 (loc + ko, kl, false);
      if (strcmp (key, keys[k]) != 0) {
        free (key);
        continue;
      }
      free (key);
      name = parent_path_to_name (utf16_to_utf8 (loc + vo, vl, false));
      key = xasprintf ("'%s'", name);
      if (strstr (tried, key))
        name[0] = '\0';        /* tried already, under another key */
      free (key);
      if (!name[0]) {
        free (name);
        continue;
      }
      p = blk_open_backing (h->self, name, NULL);
      if (p) {
        free (name);
        h->parent = p;
        r = 0;
        goto out;
      }
      if (get_errno () != ENOENT) {
        free (name);
        goto out;
      }
      key = xasprintf ("%s%s%s '%s'", tried, tried[0] ? ", " : "",
                       keys[k], name);
      free (tried);
      free (name);
      tried = key;
    }
  }
  set_error (ENOENT, "'%s': parent disk not found (locator: %s)", f->name,
             tried[0] ? tried : "no usable path");
 out:
  free (tried);
  return r;
}

static void vhdx_close (void *hv);

static void *
vhdx_open (struct blk *self, struct bfile *file)
{
  struct vhdx *h = xzalloc (sizeof *h);
  uint64_t meta_off = 0, meta_len = 0;
  uint8_t *loc = NULL;
  uint32_t loc_len = 0;

  h->self = self;
  h->file = file;
  clear_error ();
  if (file->size < 8 || read_headers (h) == -1 ||
      read_regions (h, &meta_off, &meta_len) == -1 ||
      read_metadata (h, meta_off, meta_len, &loc, &loc_len) == -1 ||
      check_geometry (h) == -1 ||
      (h->has_parent && open_parent (h, loc, loc_len) == -1)) {
    if (file->size < 8)
      set_error (EINVAL, "'%s': file is too small for VHDX", file->name);
    free (loc);
    vhdx_close (h);
    return NULL;
  }
  free (loc);
  blk_set_size (self, h->size);
  blk_set_subformat (self, h->has_parent ? "differencing"
                     : h->fixed ? "fixed" : "dynamic");
  return h;
}

/* Read the BAT entry at index i. */
static int
bat_entry (struct vhdx *h, uint64_t i, uint64_t *e)
{
  uint8_t raw[8];

  if (bfile_pread (h->file, raw, 8, h->bat_off + i * 8) == -1)
    return -1;
  *e = get_le64 (raw);
  return 0;
}

/* File offset of the entry's block, checked to hold len bytes. */
static int
entry_offset (struct vhdx *h, uint64_t e, uint64_t len, uint64_t *off)
{
  *off = (e >> 20) * MiB;
  if (*off < MiB || *off > h->file->size || h->file->size - *off < len) {
    set_error (EINVAL, "'%s': BAT entry points at offset %" PRIu64
               ", outside the file", h->file->name, *off);
    return -1;
  }
  return 0;
}

/* Map the block holding offset: its state, and its file offset. */
static int
lookup (struct vhdx *h, uint64_t offset, int *state, uint64_t *file_off)
{
  uint64_t b = offset / h->block_size, e;

  if (bat_entry (h, b + b / h->chunk_ratio, &e) == -1)
    return -1;
  *state = e & 7;
  switch (*state) {
  case PAYLOAD_NOT_PRESENT: case PAYLOAD_UNDEFINED:
  case PAYLOAD_ZERO: case PAYLOAD_UNMAPPED:
    return 0;
  case PAYLOAD_FULLY_PRESENT:
    return entry_offset (h, e, h->block_size, file_off);
  case PAYLOAD_PARTIALLY_PRESENT:
    if (h->has_parent)
      return entry_offset (h, e, h->block_size, file_off);
    /* fall through */
  default:
    set_error (EINVAL, "'%s': BAT entry for block %" PRIu64 " has invalid "
               "state %d", h->file->name, b, *state);
    return -1;
  }
}

/* For a partially present block: the length of the run of sectors at
 * offset with the same sector-bitmap bit (up to max, which stays inside
 * the block); *in_file is the bit (1 = the sectors are in this file). */
static int
bitmap_run (struct vhdx *h, uint64_t offset, uint64_t max, bool *in_file,
            uint64_t *run)
{
  uint64_t span = h->block_size * h->chunk_ratio;   /* one bitmap block */
  uint64_t chunk = offset / span, e, off;
  uint64_t s0 = offset % span / h->sector_size;
  uint64_t s1 = (offset % span + max - 1) / h->sector_size;
  uint64_t nbytes = s1 / 8 - s0 / 8 + 1;     /* <= 64 KiB: max <= block */
  uint8_t *bits;
  uint64_t s;

  if (bat_entry (h, chunk * (h->chunk_ratio + 1) + h->chunk_ratio, &e) == -1)
    return -1;
  if ((e & 7) != SB_BLOCK_PRESENT) {
    set_error (EINVAL, "'%s': partially present block without a sector "
               "bitmap", h->file->name);
    return -1;
  }
  if (entry_offset (h, e, MiB, &off) == -1)
    return -1;
  bits = xmalloc (nbytes);
  if (bfile_pread (h->file, bits, nbytes, off + s0 / 8) == -1) {
    free (bits);
    return -1;
  }
#define BIT(s) (bits[(s) / 8 - s0 / 8] >> ((s) % 8) & 1)
  *in_file = BIT (s0);
  for (s = s0 + 1; s <= s1 && BIT (s) == *in_file; ++s)
    ;
#undef BIT
  free (bits);
  *run = MIN (max, s * h->sector_size - offset % span);
  return 0;
}

static int
vhdx_pread (void *hv, void *bufv, size_t count, uint64_t offset)
{
  struct vhdx *h = hv;
  uint8_t *buf = bufv;

  while (count > 0) {
    uint64_t in = offset % h->block_size, file_off = 0, n;
    int state;
    bool here;

    n = MIN ((uint64_t) count, h->block_size - in);
    if (lookup (h, offset, &state, &file_off) == -1)
      return -1;
    if (state == PAYLOAD_PARTIALLY_PRESENT &&
        bitmap_run (h, offset, n, &here, &n) == -1)
      return -1;
    if (state == PAYLOAD_FULLY_PRESENT ||
        (state == PAYLOAD_PARTIALLY_PRESENT && here)) {
      if (bfile_pread (h->file, buf, n, file_off + in) == -1)
        return -1;
    }
    else if (state == PAYLOAD_ZERO || !h->has_parent)
      memset (buf, 0, n);
    else if (blk_backing_pread (h->parent, buf, n, offset) == -1)
      return -1;
    buf += n; offset += n; count -= n;
  }
  return 0;
}

static int
vhdx_extents (void *hv, uint64_t offset, uint64_t count, extent_list *out)
{
  struct vhdx *h = hv;
  uint64_t end = offset + count;

  while (offset < end && out->len < MAX_EXTENTS_PER_CALL) {
    uint64_t n = MIN (end - offset, h->block_size - offset % h->block_size);
    uint64_t file_off;
    int state;
    bool here = false;

    if (lookup (h, offset, &state, &file_off) == -1)
      return -1;
    if (state == PAYLOAD_PARTIALLY_PRESENT &&
        bitmap_run (h, offset, n, &here, &n) == -1)
      return -1;
    if (state == PAYLOAD_FULLY_PRESENT || here)
      extent_list_add (out, offset, n, EXT_DATA);
    else if (state == PAYLOAD_ZERO)
      extent_list_add (out, offset, n, EXT_ZERO);
    else if (blk_backing_extents (h->parent, offset, n, out) == -1)
      return -1;
    offset += n;
  }
  return 0;
}

static void
vhdx_close (void *hv)
{
  struct vhdx *h = hv;

  blk_close (h->parent);
  free (h);
}

const struct blk_driver vhdx_blk = {
  .name    = "vhdx",
  .probe   = vhdx_probe,
  .open    = vhdx_open,
  .pread   = vhdx_pread,
  .extents = vhdx_extents,
  .close   = vhdx_close,
};
