/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: convert one disk of an XVA, streaming (xva-convert.c). */
#ifndef V2K_XVA_CONVERT_H
#define V2K_XVA_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blk.h"
#include "copy.h"
#include "writer.h"

/* Stream the disk chosen by in->disk (blk.h; in->no_verify skips the
 * checksums) of the XVA at image ("-" = stdin) into a new out_format image at output.  Fills st
 * (size, read, written) and calls progress (may be NULL); *usage gets
 * the output's disk usage.  0, or -1 + set_error with no output left
 * (EBADMSG: a block checksum mismatch; EINVAL: truncated or corrupt). */
int xva_convert (const char *image, const struct blk_open_options *in,
                 const char *out_format,
                 const char *output, const struct writer_options *wopts,
                 struct copy_stats *st, copy_progress_fn progress,
                 void *progress_opaque, uint64_t *usage);

/* The rest of the XVA s (opened with xva_stream_open, ova.xml read) in
 * one pass: disk i, the VDI refs[i] of sizes[i] bytes, into a new sparse
 * raw image outputs[i]; VDIs not in refs are verified and skipped.
 * progress gets the bytes done over the sum of the sizes.  0, or -1 +
 * set_error with no output left (EBADMSG: a block checksum mismatch;
 * EINVAL: truncated or corrupt, or a disk with no block). */
struct xva_stream;
int xva_convert_all (struct xva_stream *s, bool verify, size_t n,
                     const char *const *refs, const uint64_t *sizes,
                     char *const *outputs, copy_progress_fn progress,
                     void *progress_opaque);

#endif /* V2K_XVA_CONVERT_H */
