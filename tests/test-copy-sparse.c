/* SPDX-License-Identifier: BSD-3-Clause */
/* Copy-behaviour test for the copy engine (after libnbd's
 * copy-sparse.sh): an in-memory block source with a scripted extents map
 * and a recording writer.  For several thread counts, chunk sizes and
 * block sizes it checks that
 *   - holes and zero extents are never read, and produce no writes;
 *   - DATA that is all zero is read but not written;
 *   - writes arrive at strictly ascending, non-overlapping offsets, and
 *     cover exactly the blocks that hold non-zero bytes, with the right
 *     bytes (also through the compressed path);
 *   - without zero init, zero() calls and writes tile the whole disk;
 *   - a read error and an interrupt stop the copy with the right error.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blk.h"
#include "checked.h"
#include "copy.h"
#include "error.h"
#include "test.h"
#include "writer.h"

#define SIZE (24 * 1024 * 1024 + 1000)
#define K 1024
#define M (1024 * 1024)

/* The scripted map: ascending, contiguous, covering [0, SIZE).  zdata
 * marks DATA extents whose bytes are all zero. */
static const struct {
  uint64_t off, len;
  enum extent_type type;
  bool zdata;
} script[] = {
  { 0,            64 * K,       EXT_DATA, false },
  { 64 * K,       1 * M,        EXT_HOLE, false },
  { 1088 * K,     4 * K,        EXT_DATA, false },   /* unaligned to 64 KiB */
  { 1092 * K,     8 * K,        EXT_ZERO, false },
  { 1100 * K,     20 * K,       EXT_DATA, false },   /* same 64 KiB block */
  { 1120 * K,     2 * M,        EXT_HOLE, false },
  { 3168 * K,     3 * M,        EXT_DATA, true },   /* zero-filled data */
  { 6240 * K,     5 * M + 512,  EXT_DATA, false },   /* long run, odd end */
  { 11360 * K + 512, 7 * M - 512, EXT_ZERO, false },
  { 18528 * K,    SIZE - 18528 * K, EXT_DATA, false },   /* to the odd end */
};
#define NSCRIPT (sizeof script / sizeof script[0])

static uint64_t fail_at = UINT64_MAX;     /* pread fails at this offset */

/* Byte at offset: a pattern in non-zero DATA extents, else 0. */
static uint8_t
byte_at (uint64_t off)
{
  for (size_t i = 0; i < NSCRIPT; ++i)
    if (off >= script[i].off && off < script[i].off + script[i].len) {
      if (script[i].type != EXT_DATA || script[i].zdata)
        return 0;
      return (uint8_t) ((off * 7 + off / 4093) | 1);
    }
  abort ();
}

/* True if [off, off+len) overlaps a DATA extent. */
static bool
overlaps_data (uint64_t off, uint64_t len)
{
  for (size_t i = 0; i < NSCRIPT; ++i)
    if (script[i].type == EXT_DATA && off < script[i].off + script[i].len &&
        script[i].off < off + len)
      return true;
  return false;
}

static int
mem_pread (void *h, void *buf, size_t count, uint64_t offset)
{
  uint8_t *p = buf;

  /* Rounding reads whole blocks, but never a block without data. */
  if (!overlaps_data (offset, count))
    FAIL_AT ("read of [%" PRIu64 ", +%zu) touches no data", offset, count);
  if (offset <= fail_at && fail_at < offset + count) {
    set_error (EIO, "'mem': injected read error");
    return -1;
  }
  for (size_t i = 0; i < count; ++i)
    p[i] = byte_at (offset + i);
  return 0;
}

static int
mem_extents (void *h, uint64_t offset, uint64_t count, extent_list *out)
{
  for (size_t i = 0; i < NSCRIPT; ++i) {
    uint64_t e = script[i].off + script[i].len;
    if (e <= offset)
      continue;
    if (script[i].off >= offset + count && out->len > 0)
      break;
    extent_list_add (out, out->len ? script[i].off : offset,
                     e - (out->len ? script[i].off : offset), script[i].type);
  }
  return 0;
}

static const struct blk_driver mem_driver = {
  .name = "mem", .pread = mem_pread, .extents = mem_extents,
};

/* The recording writer. */
struct rec {
  uint32_t bs;
  bool zero_init;
  uint64_t pos;                 /* end of the last write/zero */
  uint64_t written;             /* bytes of data written */
  uint8_t *seen;                /* per block: 1 written, 2 zeroed */
};
static struct rec rec;

static void *
rec_create (int fd, const char *name, bool regular, uint64_t size,
            const struct writer_options *opts, uint32_t *bs, bool *zi)
{
  *bs = rec.bs;
  *zi = rec.zero_init;
  return &rec;
}

/* Record [off, off+n) as kind, checking order and contents. */
static void
record (uint64_t off, uint64_t n, int kind, const uint8_t *buf)
{
  if (off < rec.pos)
    FAIL_AT ("write at %" PRIu64 " before the previous end %" PRIu64,
             off, rec.pos);
  for (uint64_t b = off / rec.bs; b < (off + n + rec.bs - 1) / rec.bs; ++b) {
    ASSERT (rec.seen[b] == 0);
    rec.seen[b] = (uint8_t) kind;
  }
  for (uint64_t i = 0; buf && i < n; ++i)
    if (buf[i] != byte_at (off + i))
      FAIL_AT ("wrong byte written at %" PRIu64, off + i);
  rec.pos = off + n;
}

static int
rec_pwrite (void *h, const void *buf, size_t count, uint64_t offset)
{
  record (offset, count, 1, buf);
  rec.written += count;
  return 0;
}

static int
rec_zero (void *h, uint64_t offset, uint64_t count)
{
  record (offset, count, 2, NULL);
  return 0;
}

/* "Compression": keep the block as is, but only for blocks whose first
 * byte is odd, so both paths are taken. */
static void *rec_cnew (void *h) { return &rec; }
static void rec_cfree (void *c) { }
static size_t
rec_compress (void *h, void *c, const void *in, void *out, size_t max)
{
  if (!(((const uint8_t *) in)[0] & 1))
    return 0;
  memcpy (out, in, max);
  return max;
}

static int
rec_pwrite_compressed (void *h, const void *buf, size_t len, uint64_t off)
{
  size_t n = off + rec.bs > SIZE ? SIZE - off : rec.bs;

  ASSERT_INT_EQ (len, rec.bs);
  record (off, n, 1, buf);
  rec.written += n;
  return 0;
}

static int rec_finish (void *h) { return 0; }
static void rec_close (void *h) { }

static struct writer_driver rec_driver = {
  .name = "rec", .create = rec_create, .pwrite = rec_pwrite,
  .zero = rec_zero, .finish = rec_finish, .close = rec_close,
};

static void
stop_after_first (void *opaque, uint64_t done, uint64_t total)
{
  if (done > 0)
    v2k_interrupted = 1;
}

/* One copy; returns copy_disk's result with the stats in *st. */
static int
run (struct blk *b, uint32_t bs, bool zero_init, bool compress,
     unsigned threads, size_t chunk, copy_progress_fn fn,
     struct copy_stats *st, const char *tmp)
{
  struct writer_options wo = { .compress = compress, .force = true };
  struct copy_options co = { .threads = threads, .chunk_size = chunk,
                             .progress = fn };
  struct writer *w;
  int r;

  free (rec.seen);
  memset (&rec, 0, sizeof rec);
  rec.bs = bs;
  rec.zero_init = zero_init;
  rec.seen = calloc (SIZE / bs + 2, 1);
  rec_driver.compress = compress ? rec_compress : NULL;
  rec_driver.compressor_new = rec_cnew;
  rec_driver.compressor_free = rec_cfree;
  rec_driver.pwrite_compressed = rec_pwrite_compressed;
  w = writer_create_driver (&rec_driver, tmp, SIZE, &wo);
  ASSERT (w != NULL);
  r = copy_disk (b, w, &co, st);
  if (r == 0)
    ASSERT_INT_EQ (writer_finish (w), 0);
  writer_close (w);
  return r;
}

/* After a successful run: exactly the non-zero blocks were written. */
static void
check_blocks (uint32_t bs, bool zero_init)
{
  uint64_t nb = (SIZE + bs - 1) / bs;

  for (uint64_t b = 0; b < nb; ++b) {
    bool nonzero = false;
    for (uint64_t o = b * bs; o < MIN ((b + 1) * bs, (uint64_t) SIZE) && !nonzero; ++o)
      nonzero = byte_at (o) != 0;
    if (nonzero && rec.seen[b] != 1)
      FAIL_AT ("bs %u: block %" PRIu64 " has data but was not written", bs, b);
    if (!nonzero && rec.seen[b] == 1)
      FAIL_AT ("bs %u: zero block %" PRIu64 " was written", bs, b);
    if (!zero_init && rec.seen[b] == 0)
      FAIL_AT ("bs %u: block %" PRIu64 " neither written nor zeroed", bs, b);
  }
}

int
main (void)
{
  char tmp[] = "/tmp/v2kvm-copy-sparse-XXXXXX";
  struct blk b = { .drv = &mem_driver, .name = (char *) "mem", .size = SIZE };
  static const unsigned threads[] = { 1, 2, 3, 8 };
  static const uint32_t bss[] = { 4096, 65536 };
  struct copy_stats st;
  char out[64];

  ASSERT (mkdtemp (tmp) != NULL);
  snprintf (out, sizeof out, "%s/out", tmp);
  for (size_t t = 0; t < sizeof threads / sizeof threads[0]; ++t)
    for (size_t k = 0; k < 2; ++k)
      for (int mode = 0; mode < 3; ++mode) {
        uint32_t bs = bss[k];
        bool zero_init = mode != 1, compress = mode == 2;
        size_t chunk = t % 2 ? 64 * K : 0;
        ASSERT_INT_EQ (run (&b, bs, zero_init, compress, threads[t], chunk,
                            NULL, &st, out), 0);
        check_blocks (bs, zero_init);
        ASSERT_INT_EQ (st.read, st.written + st.zero);
        ASSERT_INT_EQ (st.read + st.skipped, SIZE);
        ASSERT_INT_EQ (st.written, rec.written);
        ASSERT (st.zero >= 3 * M);          /* the zero-filled extent */
      }

  /* A read error stops the copy and keeps its message and errno. */
  fail_at = 7 * M;
  ASSERT_FAILS_WITH (run (&b, 65536, true, false, 3, 0, NULL, &st, out),
                     EIO, "'mem': injected read error");
  fail_at = UINT64_MAX;

  /* An interrupt stops it with V2K_ERR_INTERRUPTED. */
  ASSERT_INT_EQ (run (&b, 4096, true, false, 2, 64 * K, stop_after_first,
                      &st, out), -1);
  ASSERT_INT_EQ (error_get_kind (), V2K_ERR_INTERRUPTED);
  ASSERT_INT_EQ (exit_code_for (), 130);
  v2k_interrupted = 0;

  free (rec.seen);
  unlink (out);
  rmdir (tmp);
  return 0;
}
