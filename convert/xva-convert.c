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
 */
#include <config.h>

#include <inttypes.h>
#include <stdlib.h>

#include "archive.h"
#include "commands.h"
#include "error.h"
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
xva_convert (const char *image, const char *out_format, const char *output,
             const struct writer_options *wopts, struct copy_stats *st,
             copy_progress_fn progress, void *progress_opaque,
             uint64_t *usage)
{
  struct xc x = { out_format, output, wopts, NULL, st, progress,
                  progress_opaque };
  struct xva_sink sink = { xc_size, xc_data, &x };

  if (xva_stream_disk (image, &sink, NULL, NULL) == -1 ||
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
