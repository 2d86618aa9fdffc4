/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: qcow2 block source (reader for versions 2 and 3).
 *
 * Follows qemu docs/interop/qcow2.txt, summarised in docs/formats.md §6,
 * and qemu block/qcow2-cluster.c / qcow2-threads.c for what readers do.
 * All integers are big-endian.  A guest offset goes through the L1 table
 * (read whole at open: at most MAX_L1_BYTES) to an L2 table (one cluster,
 * read on demand into a small LRU cache under a mutex, so memory stays
 * bounded whatever the disk size) to an entry that is: unallocated (read
 * the backing file, or zeros), a zero cluster (v3 bit 0: zeros, never the
 * backing file), a data cluster, or a compressed cluster (raw deflate, or
 * one zstd frame when the header's compression_type says so).
 *
 * Policies: the dirty bit (lazy refcounts not written back) does not
 * affect the mapping: read, with a warning.  The corrupt bit (qemu found
 * inconsistent metadata) is refused.  Refcounts and snapshots are not
 * read: the active L1 table is the disk.  The backing file is opened
 * with blk_open_backing (a sibling; loops and over-long chains are
 * ELOOP), with the backing-format extension as its format when we know
 * it; ranges past the end of a shorter backing file read as zeros.
 *
 * Not supported (ENOTSUP): encryption (crypt_method != 0), external data
 * files, extended L2 entries (subclusters), unknown incompatible
 * features or compression types, versions other than 2 and 3.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "blk.h"
#include "byteorder.h"
#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

extern const struct blk_driver qcow2_blk;

#define QCOW2_MAGIC 0x514649fbu
#define QCOW2_V2_HEADER_LENGTH 72
#define QCOW2_V3_HEADER_LENGTH 104
#define MIN_CLUSTER_BITS 9
#define MAX_CLUSTER_BITS 21
#define MAX_REFCOUNT_ORDER 6
#define MAX_BACKING_NAME 1023

#define INCOMPAT_DIRTY (UINT64_C (1) << 0)
#define INCOMPAT_CORRUPT (UINT64_C (1) << 1)
#define INCOMPAT_DATA_FILE (UINT64_C (1) << 2)
#define INCOMPAT_COMPRESSION (UINT64_C (1) << 3)
#define INCOMPAT_EXTL2 (UINT64_C (1) << 4)
#define INCOMPAT_KNOWN (INCOMPAT_DIRTY | INCOMPAT_CORRUPT | \
                        INCOMPAT_DATA_FILE | INCOMPAT_COMPRESSION | \
                        INCOMPAT_EXTL2)

#define EXT_END 0x00000000u
#define EXT_BACKING_FORMAT 0xe2792acau

#define OFLAG_COMPRESSED (UINT64_C (1) << 62)
#define OFLAG_ZERO (UINT64_C (1) << 0)
#define OFFSET_MASK UINT64_C (0x00fffffffffffe00)  /* bits 9-55 */

/* Caps.  qemu's own: 32 MiB of L1 table (QCOW_MAX_L1_SIZE), 8 MiB of
 * refcount table (QCOW_MAX_REFTABLE_SIZE); a virtual size whose offsets
 * fit the 56-bit host offset field.  The L2 cache holds at most
 * L2_CACHE_BYTES (and at least 2 tables). */
#define MAX_L1_BYTES (UINT64_C (32) << 20)
#define MAX_REFTABLE_BYTES (UINT64_C (8) << 20)
#define MAX_QCOW2_SIZE (UINT64_C (1) << 56)
#define L2_CACHE_BYTES (UINT64_C (16) << 20)
#define L2_CACHE_MAX_SLOTS 64
/* L2 entries handed out per cache lookup. */
#define BATCH 512
/* Stop an extents() answer after this many entries. */
#define MAX_EXTENTS_PER_CALL 4096

struct l2_slot {
  uint64_t l2_off;              /* 0 = empty */
  uint64_t used;                /* LRU stamp */
  uint8_t *raw;                 /* one cluster, big-endian entries */
};

struct qcow2 {
  struct blk *self;
  struct bfile *file;
  uint64_t size;
  unsigned cluster_bits;
  uint64_t cluster_size;
  uint64_t l2_entries;          /* per table */
  uint32_t l1_size;
  uint64_t *l1;                 /* host order, L2 offsets (0 = none) */
  int compression_type;         /* 0 zlib, 1 zstd */
  struct blk *backing;          /* == self->backing, or NULL */
  bool borrowed_backing;        /* backing is self->backing_override */

  pthread_mutex_t lock;         /* protects the cache */
  struct l2_slot *cache;
  size_t nslots;
  uint64_t clock;
};

enum ctype { C_UNALLOC, C_ZERO, C_DATA, C_COMPRESSED };

/* A decoded L2 entry. */
struct cluster {
  enum ctype type;
  uint64_t host;                /* DATA: cluster; COMPRESSED: first byte */
  uint64_t csize;               /* COMPRESSED: bytes to read */
};

static int
qcow2_probe (const uint8_t *head, size_t head_len,
             const uint8_t *tail, size_t tail_len)
{
  if (head_len >= QCOW2_V2_HEADER_LENGTH && get_be32 (head) == QCOW2_MAGIC)
    return 100;
  return 0;
}

/* Header fields the open steps share. */
struct header {
  uint32_t version;
  uint64_t backing_off;
  uint32_t backing_len;
  uint64_t l1_off;
  uint64_t incompat;
  uint32_t header_length;
  char *backing_format;         /* from the extension, or NULL */
};

static int
check_features (struct qcow2 *h, const uint8_t *hd, struct header *hdr)
{
  const char *name = h->file->name;
  uint32_t crypt = get_be32 (hd + 32);

  if (crypt != 0) {
    set_error (ENOTSUP, "'%s': encrypted qcow2 images are not supported "
               "(crypt_method %" PRIu32 ")", name, crypt);
    return -1;
  }
  if (hdr->version < 3)
    return 0;
  hdr->incompat = get_be64 (hd + 72);
  if (hdr->incompat & ~INCOMPAT_KNOWN) {
    set_error (ENOTSUP, "'%s': unknown qcow2 incompatible features 0x%"
               PRIx64, name, hdr->incompat & ~INCOMPAT_KNOWN);
    return -1;
  }
  if (hdr->incompat & INCOMPAT_DATA_FILE) {
    set_error (ENOTSUP, "'%s': qcow2 images with an external data file are "
               "not supported", name);
    return -1;
  }
  if (hdr->incompat & INCOMPAT_EXTL2) {
    set_error (ENOTSUP, "'%s': qcow2 extended L2 entries (subclusters) are "
               "not supported", name);
    return -1;
  }
  if (hdr->incompat & INCOMPAT_CORRUPT) {
    set_error (EINVAL, "'%s': qemu marked this qcow2 image corrupt (check "
               "it with 'qemu-img check -r all')", name);
    return -1;
  }
  if (hdr->incompat & INCOMPAT_DIRTY)
    warning ("qcow2-dirty", "'%s': qcow2 image was not closed cleanly (dirty bit); its "
             "refcounts may be stale, the data is read as mapped", name);
  if (hdr->incompat & INCOMPAT_COMPRESSION) {
    if (hdr->header_length <= 104) {
      set_error (EINVAL, "'%s': compression type feature set but the header "
                 "is only %" PRIu32 " bytes", name, hdr->header_length);
      return -1;
    }
    h->compression_type = hd[104];
    if (h->compression_type > 1) {
      set_error (ENOTSUP, "'%s': qcow2 compression type %d is not supported",
                 name, h->compression_type);
      return -1;
    }
  }
  return 0;
}

/* Walk the header extensions in cluster 0 (up to the backing name). */
static int
read_extensions (struct qcow2 *h, const uint8_t *c0, struct header *hdr)
{
  uint64_t pos = hdr->header_length;
  uint64_t end = h->cluster_size;

  if (hdr->backing_off && hdr->backing_off < end)
    end = hdr->backing_off;
  while (pos + 8 <= end) {
    uint32_t type = get_be32 (c0 + pos), len = get_be32 (c0 + pos + 4);
    if (type == EXT_END)
      return 0;
    if (len > end - pos - 8) {
      set_error (EINVAL, "'%s': header extension 0x%08" PRIx32 " (%" PRIu32
                 " bytes) runs past the end of the header", h->file->name,
                 type, len);
      return -1;
    }
    if (type == EXT_BACKING_FORMAT) {
      free (hdr->backing_format);
      hdr->backing_format = xstrndup ((const char *) c0 + pos + 8, len);
    }
    pos += 8 + ROUND_UP ((uint64_t) len, 8);
  }
  return 0;
}

/* Read cluster 0 and check every header field. */
static int
read_header (struct qcow2 *h, struct header *hdr, uint8_t **c0p)
{
  struct bfile *f = h->file;
  uint8_t hd[QCOW2_V3_HEADER_LENGTH + 8] = { 0 };
  uint64_t size, end, rt_off, rt_bytes;
  uint32_t refcount_order = 4;
  uint8_t *c0;

  if (f->size < QCOW2_V2_HEADER_LENGTH) {
    set_error (EINVAL, "'%s': file is too small for a qcow2 header",
               f->name);
    return -1;
  }
  if (bfile_pread (f, hd, MIN (f->size, (uint64_t) sizeof hd), 0) == -1)
    return -1;
  if (get_be32 (hd) != QCOW2_MAGIC) {
    set_error (EINVAL, "'%s': not a qcow2 file (bad magic)", f->name);
    return -1;
  }
  hdr->version = get_be32 (hd + 4);
  if (hdr->version != 2 && hdr->version != 3) {
    set_error (ENOTSUP, "'%s': qcow2 version %" PRIu32 " is not supported",
               f->name, hdr->version);
    return -1;
  }
  h->cluster_bits = get_be32 (hd + 20);
  if (h->cluster_bits < MIN_CLUSTER_BITS ||
      h->cluster_bits > MAX_CLUSTER_BITS) {
    set_error (EINVAL, "'%s': cluster_bits %u is out of range (%d to %d)",
               f->name, h->cluster_bits, MIN_CLUSTER_BITS, MAX_CLUSTER_BITS);
    return -1;
  }
  h->cluster_size = UINT64_C (1) << h->cluster_bits;
  h->l2_entries = h->cluster_size / 8;
  hdr->header_length = QCOW2_V2_HEADER_LENGTH;
  if (hdr->version == 3) {
    hdr->header_length = get_be32 (hd + 100);
    refcount_order = get_be32 (hd + 96);
    if (hdr->header_length < QCOW2_V3_HEADER_LENGTH ||
        hdr->header_length > h->cluster_size) {
      set_error (EINVAL, "'%s': header length %" PRIu32 " is out of range",
                 f->name, hdr->header_length);
      return -1;
    }
  }
  if (refcount_order > MAX_REFCOUNT_ORDER) {
    set_error (EINVAL, "'%s': refcount order %" PRIu32 " is out of range "
               "(at most %d)", f->name, refcount_order, MAX_REFCOUNT_ORDER);
    return -1;
  }
  if (check_features (h, hd, hdr) == -1)
    return -1;

  size = get_be64 (hd + 24);
  if (size > MAX_QCOW2_SIZE) {
    set_error (EINVAL, "'%s': virtual size %" PRIu64 " is too large",
               f->name, size);
    return -1;
  }
  h->size = size;
  h->l1_size = get_be32 (hd + 36);
  hdr->l1_off = get_be64 (hd + 40);
  rt_off = get_be64 (hd + 48);
  rt_bytes = (uint64_t) get_be32 (hd + 56) * h->cluster_size;
  if (rt_bytes > MAX_REFTABLE_BYTES || rt_off % h->cluster_size ||
      ADD_OVERFLOW (rt_off, rt_bytes, &end) || end > f->size) {
    set_error (EINVAL, "'%s': refcount table (offset %" PRIu64 ", %" PRIu32
               " clusters) is misaligned, too large or past the end of the "
               "file", f->name, rt_off, get_be32 (hd + 56));
    return -1;
  }
  hdr->backing_off = get_be64 (hd + 8);
  hdr->backing_len = get_be32 (hd + 16);
  if (hdr->backing_off &&
      (hdr->backing_len == 0 || hdr->backing_len > MAX_BACKING_NAME ||
       hdr->backing_off >= h->cluster_size ||
       h->cluster_size - hdr->backing_off < hdr->backing_len)) {
    set_error (EINVAL, "'%s': backing file name (offset %" PRIu64 ", %"
               PRIu32 " bytes) is not inside the first cluster",
               f->name, hdr->backing_off, hdr->backing_len);
    return -1;
  }

  /* Cluster 0 holds the extensions and the backing file name. */
  c0 = xzalloc (h->cluster_size);         /* <= 2 MiB (cluster_bits cap) */
  if (bfile_pread (f, c0, MIN (f->size, h->cluster_size), 0) == -1 ||
      read_extensions (h, c0, hdr) == -1) {
    free (c0);
    return -1;
  }
  *c0p = c0;
  return 0;
}

/* Read and check the L1 table. */
static int
read_l1 (struct qcow2 *h, const struct header *hdr)
{
  struct bfile *f = h->file;
  uint64_t bytes = (uint64_t) h->l1_size * 8, end;
  uint64_t per_l1 = h->l2_entries * h->cluster_size;     /* <= 2^39 */
  uint8_t *raw;

  if (bytes > MAX_L1_BYTES || DIV_ROUND_UP (h->size, per_l1) > h->l1_size) {
    set_error (EINVAL, "'%s': L1 table has %" PRIu32 " entries for a disk "
               "of %" PRIu64 " bytes (it needs %" PRIu64 ", at most %" PRIu64
               ")", f->name, h->l1_size, h->size,
               DIV_ROUND_UP (h->size, per_l1), MAX_L1_BYTES / 8);
    return -1;
  }
  if (hdr->l1_off % h->cluster_size ||
      ADD_OVERFLOW (hdr->l1_off, bytes, &end) || end > f->size) {
    set_error (EINVAL, "'%s': L1 table (offset %" PRIu64 ", %" PRIu32
               " entries) is misaligned or past the end of the file",
               f->name, hdr->l1_off, h->l1_size);
    return -1;
  }
  raw = malloc (bytes ? bytes : 1);
  h->l1 = calloc (h->l1_size ? h->l1_size : 1, sizeof *h->l1);
  if (!raw || !h->l1) {
    free (raw);
    set_error (ENOMEM, "'%s': cannot allocate the L1 table", f->name);
    return -1;
  }
  if (bytes && bfile_pread (f, raw, bytes, hdr->l1_off) == -1) {
    free (raw);
    return -1;
  }
  for (uint32_t i = 0; i < h->l1_size; ++i) {
    uint64_t off = get_be64 (raw + (uint64_t) i * 8) & OFFSET_MASK;
    if (off && (off % h->cluster_size ||
                off > f->size || f->size - off < h->cluster_size)) {
      set_error (EINVAL, "'%s': L1 entry %" PRIu32 " (offset %" PRIu64
                 ") is misaligned or points past the end of the file",
                 f->name, i, off);
      free (raw);
      return -1;
    }
    h->l1[i] = off;
  }
  free (raw);
  return 0;
}

/* qemu's names for the formats we read. */
static const char *
our_format (const char *qemu_name)
{
  static const char *const map[][2] = {
    { "qcow2", "qcow2" }, { "raw", "raw" }, { "vmdk", "vmdk" },
    { "vpc", "vhd" }, { "vhdx", "vhdx" }, { "file", "raw" },
  };

  for (size_t i = 0; qemu_name && i < sizeof map / sizeof map[0]; ++i)
    if (strcmp (qemu_name, map[i][0]) == 0)
      return blk_find_driver (map[i][1]) ? map[i][1] : NULL;
  return NULL;
}

static int
open_backing (struct qcow2 *h, const struct header *hdr, const uint8_t *c0)
{
  CLEANUP_FREE char *name = xstrndup ((const char *) c0 + hdr->backing_off,
                                      hdr->backing_len);
  const char *fmt = our_format (hdr->backing_format);

  if (strlen (name) != hdr->backing_len || name[0] == '\0') {
    set_error (EINVAL, "'%s': backing file name contains a NUL byte",
               h->file->name);
    return -1;
  }
  if (strncmp (name, "json:", 5) == 0 || strstr (name, "://")) {
    set_error (ENOTSUP, "'%s': backing file '%s' is not a file name",
               h->file->name, name);
    return -1;
  }
  if (hdr->backing_format && !fmt)
    debug ("'%s': backing format '%s' unknown here, probing '%s'",
           h->file->name, hdr->backing_format, name);
  h->backing = blk_open_backing (h->self, name, fmt);
  return h->backing ? 0 : -1;
}

static void qcow2_close (void *hv);

static void *
qcow2_open (struct blk *self, struct bfile *file)
{
  struct header hdr = { 0 };
  uint8_t *c0 = NULL;
  struct qcow2 *h = xzalloc (sizeof *h);

  h->self = self;
  h->file = file;
  pthread_mutex_init (&h->lock, NULL);
  if (read_header (h, &hdr, &c0) == -1 || read_l1 (h, &hdr) == -1)
    goto err;
  h->nslots = MAX (2, MIN (L2_CACHE_MAX_SLOTS,
                           L2_CACHE_BYTES / h->cluster_size));
  h->cache = xzalloc (h->nslots * sizeof *h->cache);
  if (self->backing_override) {
    /* blk_open_overlay: the base is the caller's, whatever the header
     * names (the converter's overlays name an NBD export). */
    h->backing = self->backing_override;
    h->borrowed_backing = true;
  }
  else if (hdr.backing_off && open_backing (h, &hdr, c0) == -1)
    goto err;
  blk_set_size (self, h->size);
  blk_set_subformat (self, hdr.version == 2 ? "v2" : "v3");
  free (c0);
  free (hdr.backing_format);
  return h;

 err:
  free (c0);
  free (hdr.backing_format);
  qcow2_close (h);
  return NULL;
}

/* Copy up to n (<= BATCH) raw L2 entries for the guest clusters from
 * cluster c into out, all within one L2 table.  When the table is not
 * allocated, sets *none and counts up to n clusters (any number, to the
 * end of the table) without filling out.  Returns the count, or -1 +
 * set_error. */
static int64_t
l2_get (struct qcow2 *h, uint64_t c, uint64_t n, uint64_t *out, bool *none)
{
  uint64_t l1i = c / h->l2_entries, l2i = c % h->l2_entries;
  uint64_t l2_off = l1i < h->l1_size ? h->l1[l1i] : 0;
  struct l2_slot *slot = NULL;
  int64_t r = -1;

  *none = l2_off == 0;
  if (*none)
    return (int64_t) MIN (n, h->l2_entries - l2i);
  n = MIN (MIN (n, (uint64_t) BATCH), h->l2_entries - l2i);
  pthread_mutex_lock (&h->lock);
  for (size_t i = 0; i < h->nslots; ++i) {
    if (h->cache[i].l2_off == l2_off) {
      slot = &h->cache[i];
      break;
    }
    if (!slot || h->cache[i].used < slot->used)
      slot = &h->cache[i];
  }
  if (slot->l2_off != l2_off) {
    if (!slot->raw)
      slot->raw = xmalloc (h->cluster_size);    /* <= 2 MiB */
    slot->l2_off = 0;
    if (bfile_pread (h->file, slot->raw, h->cluster_size, l2_off) == -1)
      goto out;
    slot->l2_off = l2_off;
  }
  slot->used = ++h->clock;
  for (uint64_t i = 0; i < n; ++i)
    out[i] = get_be64 (slot->raw + (l2i + i) * 8);
  r = (int64_t) n;
 out:
  pthread_mutex_unlock (&h->lock);
  return r;
}

/* Decode and check the L2 entry e of guest cluster c. */
static int
decode (struct qcow2 *h, uint64_t c, uint64_t e, struct cluster *cl)
{
  struct bfile *f = h->file;

  if (e & OFLAG_COMPRESSED) {
    unsigned x = 62 - (h->cluster_bits - 8);
    uint64_t nsect = ((e >> x) & ((UINT64_C (1) << (h->cluster_bits - 8)) - 1))
      + 1;
    cl->type = C_COMPRESSED;
    cl->host = e & ((UINT64_C (1) << x) - 1);
    cl->csize = nsect * 512 - (cl->host & 511);
    if (cl->host >= f->size) {
      set_error (EINVAL, "'%s': compressed cluster at guest offset %" PRIu64
                 " points past the end of the file", f->name,
                 c << h->cluster_bits);
      return -1;
    }
    /* The sector count may round past the end of the file. */
    cl->csize = MIN (cl->csize, f->size - cl->host);
    return 0;
  }
  cl->host = e & OFFSET_MASK;
  if (e & OFLAG_ZERO)
    cl->type = C_ZERO;
  else if (cl->host == 0)
    cl->type = C_UNALLOC;
  else {
    cl->type = C_DATA;
    if (cl->host % h->cluster_size || cl->host >= f->size) {
      set_error (EINVAL, "'%s': L2 entry for guest offset %" PRIu64
                 " (host offset %" PRIu64 ") is misaligned or past the end "
                 "of the file", f->name, c << h->cluster_bits, cl->host);
      return -1;
    }
  }
  return 0;
}

/* Inflate the compressed cluster cl into out (one cluster). */
static int
decompress (struct qcow2 *h, const struct cluster *cl, uint8_t *out,
            uint64_t guest)
{
  uint8_t *in = malloc (cl->csize);
  int ok = 0;

  if (!in) {
    set_error (ENOMEM, "'%s': cannot allocate %" PRIu64 " bytes",
               h->file->name, cl->csize);
    return -1;
  }
  if (bfile_pread (h->file, in, cl->csize, cl->host) == -1) {
    free (in);
    return -1;
  }
  if (h->compression_type == 0) {
    z_stream z = { .next_in = in, .avail_in = (uInt) cl->csize,
                   .next_out = out, .avail_out = (uInt) h->cluster_size };
    if (inflateInit2 (&z, -15) == Z_OK) {
      int r = inflate (&z, Z_FINISH);
      ok = (r == Z_STREAM_END || r == Z_BUF_ERROR) && z.avail_out == 0;
      inflateEnd (&z);
    }
  }
  else {
    size_t fsz = ZSTD_findFrameCompressedSize (in, cl->csize);
    if (!ZSTD_isError (fsz)) {
      size_t r = ZSTD_decompress (out, h->cluster_size, in, fsz);
      ok = !ZSTD_isError (r) && r == h->cluster_size;
    }
  }
  free (in);
  if (!ok) {
    set_error (EINVAL, "'%s': compressed cluster at guest offset %" PRIu64
               " does not decompress to %" PRIu64 " bytes", h->file->name,
               guest, h->cluster_size);
    return -1;
  }
  return 0;
}

/* Read n bytes at in-cluster offset in of a data cluster; bytes past
 * the end of the file read as zeros (qemu's file driver does the same
 * for a last cluster the file does not fully hold). */
static int
data_pread (struct qcow2 *h, uint64_t host, uint8_t *buf, size_t n,
            uint64_t in)
{
  uint64_t start = host + in;
  size_t have = start >= h->file->size ? 0
    : MIN ((uint64_t) n, h->file->size - start);

  if (have && bfile_pread (h->file, buf, have, start) == -1)
    return -1;
  memset (buf + have, 0, n - have);
  return 0;
}

/* Read n bytes at guest offset inside the one cluster cl describes. */
static int
cluster_pread (struct qcow2 *h, const struct cluster *cl, uint8_t *buf,
               size_t n, uint64_t offset)
{
  uint64_t in = offset & (h->cluster_size - 1);
  uint8_t *tmp;
  int r;

  switch (cl->type) {
  case C_ZERO:
    memset (buf, 0, n);
    return 0;
  case C_UNALLOC:
    return blk_backing_pread (h->backing, buf, n, offset);
  case C_DATA:
    return data_pread (h, cl->host, buf, n, in);
  case C_COMPRESSED:
    break;
  }
  tmp = malloc (h->cluster_size);
  if (!tmp) {
    set_error (ENOMEM, "'%s': cannot allocate a cluster", h->file->name);
    return -1;
  }
  r = decompress (h, cl, tmp, offset - in);
  if (r == 0)
    memcpy (buf, tmp + in, n);
  free (tmp);
  return r;
}

static int
qcow2_pread (void *hv, void *bufv, size_t count, uint64_t offset)
{
  struct qcow2 *h = hv;
  uint8_t *buf = bufv;
  uint64_t e[BATCH];

  while (count > 0) {
    uint64_t c = offset >> h->cluster_bits;
    bool none;
    int64_t k = l2_get (h, c, DIV_ROUND_UP (offset + count, h->cluster_size)
                        - c, e, &none);
    if (k == -1)
      return -1;
    if (none) {                 /* whole range unallocated */
      size_t n = MIN ((uint64_t) count, ((c + k) << h->cluster_bits) - offset);
      if (blk_backing_pread (h->backing, buf, n, offset) == -1)
        return -1;
      buf += n; offset += n; count -= n;
      continue;
    }
    for (int64_t i = 0; i < k && count > 0; ++i) {
      struct cluster cl;
      size_t n = MIN ((uint64_t) count,
                      h->cluster_size - (offset & (h->cluster_size - 1)));
      if (decode (h, c + i, e[i], &cl) == -1 ||
          cluster_pread (h, &cl, buf, n, offset) == -1)
        return -1;
      buf += n; offset += n; count -= n;
    }
  }
  return 0;
}

/* Add [offset, offset+n) of type t, gathering unallocated ranges into
 * *hole_start (UINT64_MAX: none pending) so the backing file is asked
 * once per run, not once per cluster. */
static int
add_run (struct qcow2 *h, uint64_t offset, uint64_t n, enum ctype t,
         uint64_t *hole_start, extent_list *out)
{
  if (t == C_UNALLOC) {
    if (*hole_start == UINT64_MAX)
      *hole_start = offset;
    return 0;
  }
  if (*hole_start != UINT64_MAX) {
    if (blk_backing_extents (h->backing, *hole_start,
                             offset - *hole_start, out) == -1)
      return -1;
    *hole_start = UINT64_MAX;
  }
  if (n)
    extent_list_add (out, offset, n, t == C_ZERO ? EXT_ZERO : EXT_DATA);
  return 0;
}

static int
qcow2_extents (void *hv, uint64_t offset, uint64_t count, extent_list *out)
{
  struct qcow2 *h = hv;
  uint64_t end = offset + count, hole_start = UINT64_MAX;
  uint64_t e[BATCH];

  while (offset < end && out->len < MAX_EXTENTS_PER_CALL) {
    uint64_t c = offset >> h->cluster_bits;
    bool none;
    int64_t k = l2_get (h, c, DIV_ROUND_UP (end, h->cluster_size) - c, e,
                        &none);
    if (k == -1)
      return -1;
    uint64_t span_end = (c + (uint64_t) k) << h->cluster_bits;
    if (none)
      k = 1;                    /* one step covers the unallocated table */
    for (int64_t i = 0; i < k && offset < end; ++i) {
      struct cluster cl = { .type = C_UNALLOC };
      uint64_t n = MIN (end - offset, none ? span_end - offset
                        : h->cluster_size - (offset & (h->cluster_size - 1)));
      if ((!none && decode (h, c + i, e[i], &cl) == -1) ||
          add_run (h, offset, n, cl.type, &hole_start, out) == -1)
        return -1;
      offset += n;
    }
  }
  /* Flush a pending unallocated run. */
  return add_run (h, offset, 0, C_DATA, &hole_start, out);
}

static void
qcow2_close (void *hv)
{
  struct qcow2 *h = hv;

  if (!h->borrowed_backing)
    blk_close (h->backing);
  for (size_t i = 0; h->cache && i < h->nslots; ++i)
    free (h->cache[i].raw);
  free (h->cache);
  free (h->l1);
  pthread_mutex_destroy (&h->lock);
  free (h);
}

const struct blk_driver qcow2_blk = {
  .name    = "qcow2",
  .probe   = qcow2_probe,
  .open    = qcow2_open,
  .pread   = qcow2_pread,
  .extents = qcow2_extents,
  .close   = qcow2_close,
};
