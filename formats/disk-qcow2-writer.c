/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: qcow2 version 3 writer (sequential, append-only).
 *
 * Spec: qemu docs/interop/qcow2.txt (QEMU 7.2), summarised in
 * docs/formats.md §6.  Because the core guarantees ascending,
 * write-once offsets (writer.h), the file is written front to back as
 * one stream:
 *
 *   cluster 0: header (written last, by finish)
 *   data clusters, compressed data, and metadata as it completes:
 *     - an L2 table when the writes leave its 512 MiB guest window
 *       (64 KiB clusters), so only one L2 table is ever in memory;
 *     - a refcount block when the host file grows past the clusters it
 *       covers (2 GiB of file at 64 KiB clusters, 16-bit refcounts); only
 *       the current block is in memory;
 *   at the end: the L1 table, the refcount table, the last refcount
 *   block(s) (which count themselves), then the header.
 *
 * Memory is one L2 table, one refcount block, the L1 table (8 bytes per
 * 512 MiB of disk), the refcount table (8 bytes per 2 GiB of file) and a
 * 4 MiB append buffer, whatever the disk size.
 *
 * Unwritten clusters stay unallocated (L2 entry 0) and read as zeros.
 * Compressed clusters (docs/formats.md §6.3) are raw deflate streams packed
 * at byte granularity as qemu packs them; a host cluster holding parts of
 * n compressed clusters has refcount n, as qemu-img check counts them.
 * qemu inflates a compressed cluster in one call into a cluster-sized
 * buffer (block/qcow2-threads.c), so libdeflate's 32 KiB-window raw
 * deflate streams decode there; the tests check it with qemu-img.
 *
 * Not written: backing files, snapshots, extended L2, zstd, bitmaps,
 * feature-name tables, lazy refcounts.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdeflate.h>

#include "byteorder.h"
#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "vector.h"
#include "writer.h"
#include "xalloc.h"

#define QCOW2_MAGIC 0x514649fbU
#define QCOW2_DEFAULT_CLUSTER_BITS 16
#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21
#define QCOW2_REFCOUNT_ORDER 4                  /* 16-bit refcounts */
#define QCOW2_HEADER_LENGTH 104
#define QCOW2_OFLAG_COPIED (UINT64_C(1) << 63)
#define QCOW2_OFLAG_COMPRESSED (UINT64_C(1) << 62)
/* Largest virtual size accepted: qemu's limit (QCOW_MAX_L1_SIZE is
 * 32 MiB of L1 = 4 Mi entries) at 64 KiB clusters is 2 PiB; keep to
 * 2^56 bytes so offsets fit the 56-bit fields at any cluster size. */
#define QCOW2_MAX_L1_ENTRIES (32U * 1024 * 1024 / 8)
#define OUTBUF_SIZE (4U * 1024 * 1024)
/* libdeflate level 4: on mixed guest data (bench/) it is about 3 times
 * as fast as zlib level 6 with windowBits -12 (what qemu uses) and still
 * compresses slightly better (47.4% against 48.2%). */
#define DEFLATE_LEVEL 4

DEFINE_VECTOR_TYPE (u64_vector, uint64_t);

/* A completed refcount block waiting to be written. */
struct rb_pending {
  uint64_t index;
  uint16_t *blk;                /* host-endian, cs bytes */
};
DEFINE_VECTOR_TYPE (rb_queue, struct rb_pending);

struct qcow2w {
  int fd;
  char *name;
  uint64_t size;
  unsigned cluster_bits;
  uint64_t cs;                  /* cluster size */
  uint64_t l2_entries;          /* cs / 8 */
  uint64_t rb_entries;          /* refcounts per block: cs * 8 / 16 */

  uint64_t *l1;                 /* host-endian, l1_size entries */
  uint64_t l1_size;
  uint64_t *l2;                 /* current L2 table, host-endian */
  uint64_t l2_index;            /* its L1 index */
  bool l2_used;

  uint16_t *rb;                 /* current refcount block, host-endian */
  uint64_t rb_index;            /* which block it is */
  rb_queue pend;                /* completed blocks not yet written */
  size_t pend_head;             /* first unwritten entry of pend */
  u64_vector rt;                /* offsets of written refcount blocks */

  uint64_t hpos;                /* end of the host file (bytes) */
  uint8_t *buf;                 /* append buffer for [buf_off, hpos) */
  uint64_t buf_off;
};

/* pwrite all of buf at off. */
static int
write_at (struct qcow2w *q, const void *buf, size_t n, uint64_t off)
{
  return writer_write_all (q->fd, q->name, buf, n, off);
}

/* Flush the append buffer. */
static int
buf_flush (struct qcow2w *q)
{
  if (write_at (q, q->buf, q->hpos - q->buf_off, q->buf_off) == -1)
    return -1;
  q->buf_off = q->hpos;
  return 0;
}

/* Append n bytes (buf NULL: zeros) at the end of the host file. */
static int
append (struct qcow2w *q, const void *buf, size_t n)
{
  if (n >= OUTBUF_SIZE / 2 && buf) {
    if (buf_flush (q) == -1 || write_at (q, buf, n, q->hpos) == -1)
      return -1;
    q->hpos += n;
    q->buf_off = q->hpos;
    return 0;
  }
  while (n > 0) {
    size_t room = OUTBUF_SIZE - (q->hpos - q->buf_off);
    size_t k = MIN (n, room);
    if (buf)
      memcpy (q->buf + (q->hpos - q->buf_off), buf, k);
    else
      memset (q->buf + (q->hpos - q->buf_off), 0, k);
    q->hpos += k;
    n -= k;
    if (buf)
      buf = (const uint8_t *) buf + k;
    if (q->hpos - q->buf_off == OUTBUF_SIZE && buf_flush (q) == -1)
      return -1;
  }
  return 0;
}

/* Make the current refcount block pending and start the next one. */
static void
rotate_rb (struct qcow2w *q)
{
  rb_queue_append (&q->pend, (struct rb_pending) {
      .index = q->rb_index, .blk = q->rb });
  q->rb = xzalloc (q->cs);
  q->rb_index++;
}

/* Count one more reference to host cluster c.  Clusters are counted in
 * ascending order; when c belongs to the next refcount block, the
 * current one is complete: it becomes pending, and settle() writes it
 * once the caller has appended what it was allocating (metadata tables
 * must stay contiguous). */
static void
inc_ref (struct qcow2w *q, uint64_t c)
{
  uint64_t bi = c / q->rb_entries;

  if (bi != q->rb_index) {
    assert (bi == q->rb_index + 1);
    rotate_rb (q);
  }
  assert (q->rb[c % q->rb_entries] < UINT16_MAX);
  q->rb[c % q->rb_entries]++;
}

/* Pad the file to a cluster boundary and count the cluster there; the
 * caller appends its contents next.  Returns its offset. */
static int
alloc_cluster (struct qcow2w *q, uint64_t *off)
{
  if (append (q, NULL, ROUND_UP (q->hpos, q->cs) - q->hpos) == -1)
    return -1;
  *off = q->hpos;
  inc_ref (q, *off / q->cs);
  return 0;
}

/* Record that refcount block index lives at off. */
static void
rt_set (struct qcow2w *q, uint64_t index, uint64_t off)
{
  assert (index == q->rt.len);
  u64_vector_append (&q->rt, off);
}

/* Append a completed refcount block (host-endian in blk; converted in
 * place) as block index. */
static int
write_rb (struct qcow2w *q, uint16_t *blk, uint64_t index)
{
  uint64_t off;

  if (alloc_cluster (q, &off) == -1)
    return -1;
  for (uint64_t i = 0; i < q->rb_entries; ++i)
    put_be16 ((uint8_t *) &blk[i], blk[i]);
  if (append (q, blk, q->cs) == -1)
    return -1;
  rt_set (q, index, off);
  return 0;
}

/* Write the pending refcount blocks, oldest first (their own clusters
 * may complete more blocks: those join the queue). */
static int
settle (struct qcow2w *q)
{
  while (q->pend_head < q->pend.len) {
    struct rb_pending b = q->pend.ptr[q->pend_head++];
    int r = write_rb (q, b.blk, b.index);
    free (b.blk);
    if (r == -1)
      return -1;
  }
  q->pend.len = q->pend_head = 0;
  return 0;
}

/* Write the current L2 table, if it has entries, and point L1 at it. */
static int
flush_l2 (struct qcow2w *q)
{
  uint64_t off;

  if (!q->l2_used)
    return 0;
  if (alloc_cluster (q, &off) == -1)
    return -1;
  for (uint64_t i = 0; i < q->l2_entries; ++i)
    put_be64 ((uint8_t *) &q->l2[i], q->l2[i]);
  if (append (q, q->l2, q->cs) == -1)
    return -1;
  memset (q->l2, 0, q->cs);
  q->l1[q->l2_index] = off | QCOW2_OFLAG_COPIED;
  q->l2_used = false;
  return settle (q);
}

/* Make the L2 table in memory the one covering guest cluster g. */
static int
use_l2 (struct qcow2w *q, uint64_t g)
{
  uint64_t l1i = g / q->l2_entries;

  if (l1i != q->l2_index) {
    if (flush_l2 (q) == -1)
      return -1;
    q->l2_index = l1i;
  }
  q->l2_used = true;
  return 0;
}

static int
qcow2w_pwrite (void *h, const void *buf, size_t count, uint64_t offset)
{
  struct qcow2w *q = h;
  const uint8_t *p = buf;

  while (count > 0) {
    uint64_t g = offset / q->cs;
    uint64_t in_window = (q->l2_entries - g % q->l2_entries) * q->cs;
    size_t n = MIN ((uint64_t) count, in_window);
    uint64_t host;

    if (use_l2 (q, g) == -1 ||
        append (q, NULL, ROUND_UP (q->hpos, q->cs) - q->hpos) == -1)
      return -1;
    host = q->hpos;
    for (uint64_t i = 0; i < DIV_ROUND_UP (n, q->cs); ++i) {
      inc_ref (q, host / q->cs + i);
      q->l2[(g + i) % q->l2_entries] = (host + i * q->cs) | QCOW2_OFLAG_COPIED;
    }
    if (append (q, p, n) == -1 || settle (q) == -1)
      return -1;
    p += n;
    offset += n;
    count -= n;
  }
  return 0;
}

static int
qcow2w_pwrite_compressed (void *h, const void *buf, size_t len,
                          uint64_t offset)
{
  struct qcow2w *q = h;
  uint64_t g = offset / q->cs;
  unsigned x = 62 - (q->cluster_bits - 8);
  uint64_t p, nsect;

  if (use_l2 (q, g) == -1)
    return -1;
  p = q->hpos;                  /* after any L2 table use_l2 wrote */
  nsect = ((p + len - 1) >> 9) - (p >> 9);
  if (append (q, buf, len) == -1)
    return -1;
  for (uint64_t c = p / q->cs; c <= (ROUND_UP (p + len, 512) - 1) / q->cs; ++c)
    inc_ref (q, c);
  q->l2[g % q->l2_entries] = QCOW2_OFLAG_COMPRESSED | (nsect << x) | p;
  return settle (q);
}

/* Append the L1 table; *off gets its offset (0 when l1_size is 0). */
static int
write_l1 (struct qcow2w *q, uint64_t *off)
{
  uint64_t per = q->cs / 8;
  uint64_t n = DIV_ROUND_UP (q->l1_size, per);  /* 0 for an empty disk */
  CLEANUP_FREE uint8_t *be = xmalloc (q->cs);

  for (uint64_t c = 0; c < n; ++c) {
    uint64_t coff;
    if (alloc_cluster (q, &coff) == -1)
      return -1;
    if (c == 0)
      *off = coff;
    for (uint64_t i = 0; i < per; ++i) {
      uint64_t k = c * per + i;
      put_be64 (be + 8 * i, k < q->l1_size ? q->l1[k] : 0);
    }
    if (append (q, be, q->cs) == -1)
      return -1;
  }
  return settle (q);            /* after: the table must be contiguous */
}

/* Clusters of refcount table needed for a file of about `clusters`
 * clusters, with room for the blocks and the table themselves. */
static uint64_t
rt_clusters_for (struct qcow2w *q, uint64_t clusters)
{
  uint64_t t = 1;

  for (int i = 0; i < 4; ++i) {
    uint64_t blocks = DIV_ROUND_UP (clusters + t + 4, q->rb_entries) + 1;
    t = DIV_ROUND_UP (blocks * 8, q->cs);
  }
  return t;
}

/* Reserve the refcount table, write the last refcount blocks (which
 * count their own clusters), then the table itself. */
static int
write_refcounts (struct qcow2w *q, uint64_t *rt_off, uint64_t *rt_n)
{
  uint64_t t = rt_clusters_for (q, DIV_ROUND_UP (q->hpos, q->cs));
  CLEANUP_FREE uint8_t *be = NULL;

  for (uint64_t c = 0; c < t; ++c) {
    uint64_t off;
    if (alloc_cluster (q, &off) == -1 || append (q, NULL, q->cs) == -1)
      return -1;
    if (c == 0)
      *rt_off = off;
  }
  for (;;) {
    if (settle (q) == -1)
      return -1;
    uint64_t next = ROUND_UP (q->hpos, q->cs) / q->cs;
    if (next / q->rb_entries == q->rb_index)
      break;
    rotate_rb (q);              /* the block is full: next one */
  }
  if (write_rb (q, q->rb, q->rb_index) == -1 || buf_flush (q) == -1)
    return -1;
  assert (q->rt.len * 8 <= t * q->cs);
  be = xzalloc (t * q->cs);
  for (size_t i = 0; i < q->rt.len; ++i)
    put_be64 (be + 8 * i, q->rt.ptr[i]);
  *rt_n = t;
  return write_at (q, be, t * q->cs, *rt_off);
}

static int
qcow2w_finish (void *h)
{
  struct qcow2w *q = h;
  uint8_t hdr[QCOW2_HEADER_LENGTH + 8];
  uint64_t l1_off = 0, rt_off = 0, rt_n = 0;

  if (flush_l2 (q) == -1 || write_l1 (q, &l1_off) == -1 ||
      write_refcounts (q, &rt_off, &rt_n) == -1)
    return -1;
  memset (hdr, 0, sizeof hdr);
  put_be32 (hdr + 0, QCOW2_MAGIC);
  put_be32 (hdr + 4, 3);
  put_be32 (hdr + 20, q->cluster_bits);
  put_be64 (hdr + 24, q->size);
  put_be32 (hdr + 36, (uint32_t) q->l1_size);
  put_be64 (hdr + 40, l1_off);
  put_be64 (hdr + 48, rt_off);
  put_be32 (hdr + 56, (uint32_t) rt_n);
  put_be32 (hdr + 96, QCOW2_REFCOUNT_ORDER);
  put_be32 (hdr + 100, QCOW2_HEADER_LENGTH);
  /* hdr + 104: the end-of-extensions marker, type 0 length 0. */
  return write_at (q, hdr, sizeof hdr, 0);
}

static void *
qcow2w_compressor_new (void *h)
{
  struct libdeflate_compressor *c = libdeflate_alloc_compressor (DEFLATE_LEVEL);

  if (!c)
    set_error (ENOMEM, "cannot allocate a deflate compressor");
  return c;
}

static void
qcow2w_compressor_free (void *c)
{
  libdeflate_free_compressor (c);
}

/* Raw deflate (no zlib header), only when smaller than a cluster. */
static size_t
qcow2w_compress (void *h, void *c, const void *in, void *out, size_t out_max)
{
  struct qcow2w *q = h;

  return libdeflate_deflate_compress (c, in, q->cs, out, out_max - 1);
}

/* Check the options and the size; set cluster_bits and l1_size. */
static int
check_geometry (struct qcow2w *q, const struct writer_options *opts)
{
  uint64_t cs = opts->cluster_size ? opts->cluster_size
    : UINT64_C(1) << QCOW2_DEFAULT_CLUSTER_BITS;
  uint64_t window;

  if (!is_power_of_2 (cs) || cs < (1U << QCOW2_MIN_CLUSTER_BITS) ||
      cs > (1U << QCOW2_MAX_CLUSTER_BITS)) {
    set_error (EINVAL, "'%s': qcow2 cluster size %" PRIu64 " is not a power "
               "of two between 512 and 2097152", q->name, cs);
    return -1;
  }
  q->cs = cs;
  q->cluster_bits = (unsigned) __builtin_ctzll (cs);
  q->l2_entries = cs / 8;
  q->rb_entries = cs * 8 / (1U << QCOW2_REFCOUNT_ORDER);
  window = cs * q->l2_entries;
  q->l1_size = q->size / window + (q->size % window != 0);
  if (q->l1_size > QCOW2_MAX_L1_ENTRIES) {
    set_error (EFBIG, "'%s': a virtual size of %" PRIu64 " bytes is too "
               "large for qcow2 with %" PRIu64 "-byte clusters",
               q->name, q->size, cs);
    return -1;
  }
  return 0;
}

static void qcow2w_close (void *h);

static void *
qcow2w_create (int fd, const char *name, bool regular, uint64_t size,
               const struct writer_options *opts,
               uint32_t *block_size, bool *zero_init)
{
  struct qcow2w *q = xzalloc (sizeof *q);
  uint64_t off;

  q->fd = fd;
  q->name = xstrdup (name);
  /* qemu reads the header's size in 512-byte sectors, rounding down
   * (qcow2_do_open: total_sectors = size / 512), and gives an odd-sized
   * raw input a size rounded up (bdrv_nb_sectors): round up the same way,
   * so no byte of the source is cut off.  The tail reads as zeros. */
  q->size = size + (-size & 511);
  if (check_geometry (q, opts) == -1)
    goto fail;
  q->l1 = calloc (MAX (q->l1_size, 1), sizeof *q->l1);
  if (!q->l1) {
    set_error (ENOMEM, "'%s': cannot allocate the L1 table", name);
    goto fail;
  }
  q->l2 = xzalloc (q->cs);
  q->rb = xzalloc (q->cs);
  q->buf = xmalloc (OUTBUF_SIZE);
  /* Cluster 0: the header, written by finish. */
  if (alloc_cluster (q, &off) == -1 || append (q, NULL, q->cs) == -1)
    goto fail;
  *block_size = (uint32_t) q->cs;
  *zero_init = true;
  return q;

 fail:
  qcow2w_close (q);
  return NULL;
}

static void
qcow2w_close (void *h)
{
  struct qcow2w *q = h;

  free (q->name);
  free (q->l1);
  free (q->l2);
  free (q->rb);
  for (size_t i = q->pend_head; i < q->pend.len; ++i)
    free (q->pend.ptr[i].blk);
  rb_queue_reset (&q->pend);
  free (q->buf);
  u64_vector_reset (&q->rt);
  free (q);
}

const struct writer_driver qcow2_writer = {
  .name              = "qcow2",
  .create            = qcow2w_create,
  .pwrite            = qcow2w_pwrite,
  .compressor_new    = qcow2w_compressor_new,
  .compressor_free   = qcow2w_compressor_free,
  .compress          = qcow2w_compress,
  .pwrite_compressed = qcow2w_pwrite_compressed,
  .finish            = qcow2w_finish,
  .close             = qcow2w_close,
};
