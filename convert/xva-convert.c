/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `disk convert` of an XVA: the one input that is not a block
 * source (archive.h).  The archive is read once, forwards, by
 * xva_stream_disk(), which verifies every block before handing it over;
 * the chosen disk's blocks arrive in ascending 1 MiB steps and go
 * straight to the writer (writer_pwrite, single-threaded: the walk is
 * sequential anyway).  Absent blocks are never written (holes).  The
 * writer is created when ova.xml has given the virtual size, and
 * aborted (nothing left behind) on any failure, including a checksum
 * mismatch or truncation met after the chosen disk was complete.
 *
 * `convert -i xva -` cannot read the archive once per disk: after the
 * pipeline has read ova.xml from the stream, xva_convert_all() writes
 * every disk to its own raw file in the same pass.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "commands.h"
#include "error.h"
#include "xalloc.h"
#include "xva-convert.h"

struct xc {
  const char *out_format, *output;
  const struct writer_options *wopts;
  struct writer *w;
  struct copy_stats *st;
  copy_progress_fn progress;
  void *progress_opaque;
};

static int
xc_size (void *opaque, const char *ref, uint64_t size)
{
  struct xc *x = opaque;

  debug ("xva: converting disk %s (%" PRIu64 " bytes)", ref, size);
  x->st->size = x->st->total = size;
  x->w = writer_create (x->out_format, x->output, size, x->wopts);
  return x->w ? 0 : -1;
}

static int
xc_data (void *opaque, const void *buf, size_t len, uint64_t offset)
{
  struct xc *x = opaque;

  if (writer_pwrite (x->w, buf, len, offset) == -1)
    return -1;
  x->st->read += len;
  x->st->written += len;
  if (x->progress)
    x->progress (x->progress_opaque, offset + len, x->st->size);
  return 0;
}

int
xva_convert (const char *image, const struct blk_open_options *in,
             const char *out_format, const char *output,
             const struct writer_options *wopts, struct copy_stats *st,
             copy_progress_fn progress, void *progress_opaque,
             uint64_t *usage)
{
  struct xc x = { out_format, output, wopts, NULL, st, progress,
                  progress_opaque };
  struct xva_sink sink = { xc_size, xc_data, &x };

  if (xva_stream_disk (image, in, &sink, NULL, NULL) == -1 ||
      writer_finish (x.w) == -1) {
    writer_abort (x.w);
    return -1;
  }
  if (progress)
    progress (progress_opaque, st->size, st->size);
  *usage = writer_disk_usage (x.w);
  writer_close (x.w);
  return 0;
}

/* ---- Every disk in one pass (an XVA on stdin) ---- */

struct xa {
  size_t n;
  const char *const *refs;
  const uint64_t *sizes;
  struct writer **w;
  uint64_t *done;               /* per disk: end of its last block */
  uint64_t *blocks;
  uint64_t total;
  copy_progress_fn progress;
  void *progress_opaque;
};

static int
xa_data (void *opaque, const char *ref, const void *buf, size_t len,
         uint64_t offset)
{
  struct xa *x = opaque;
  uint64_t sum = 0;

  for (size_t i = 0; i < x->n; ++i) {
    if (strcmp (x->refs[i], ref) != 0)
      continue;
    if (writer_pwrite (x->w[i], buf, len, offset) == -1)
      return -1;
    x->done[i] = offset + len;
    x->blocks[i]++;
    for (size_t j = 0; j < x->n; ++j)
      sum += x->done[j];
    if (x->progress)
      x->progress (x->progress_opaque, sum, x->total);
    return 0;
  }
  return 0;                     /* a VDI the guest does not use */
}

int
xva_convert_all (struct xva_stream *s, bool verify, size_t n,
                 const char *const *refs, const uint64_t *sizes,
                 char *const *outputs, copy_progress_fn progress,
                 void *progress_opaque)
{
  struct writer_options wo = { 0 };
  struct xa x = { n, refs, sizes, xzalloc (n * sizeof *x.w),
                  xzalloc (n * sizeof *x.done), xzalloc (n * sizeof *x.blocks),
                  0, progress, progress_opaque };
  struct xva_all_sink sink = { xa_data, &x };
  int r = -1;
  size_t i;

  for (i = 0; i < n; ++i) {
    x.total += sizes[i];
    x.w[i] = writer_create ("raw", outputs[i], sizes[i], &wo);
    if (!x.w[i])
      goto out;
  }
  if (xva_stream_all (s, verify, &sink) == -1)
    goto out;
  for (i = 0; i < n; ++i) {
    if (x.blocks[i] == 0) {
      set_error (EINVAL, "the XVA holds no block of disk '%s' (a "
                 "metadata-only export?)", refs[i]);
      goto out;
    }
    if (writer_finish (x.w[i]) == -1)
      goto out;
  }
  if (progress)
    progress (progress_opaque, x.total, x.total);
  r = 0;
 out:
  for (i = 0; i < n; ++i)
    writer_close (x.w[i]);      /* unlinks any output not finished */
  free (x.w);
  free (x.done);
  free (x.blocks);
  return r;
}
