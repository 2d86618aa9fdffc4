/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: convert one disk of an XVA, streaming (xva-convert.c). */
#ifndef V2K_XVA_CONVERT_H
#define V2K_XVA_CONVERT_H

#include <stdint.h>

#include "copy.h"
#include "writer.h"

/* Stream the disk chosen by archive_options.disk of the XVA at image
 * ("-" = stdin) into a new out_format image at output.  Fills st
 * (size, read, written) and calls progress (may be NULL); *usage gets
 * the output's disk usage.  0, or -1 + set_error with no output left
 * (EBADMSG: a block checksum mismatch; EINVAL: truncated or corrupt). */
int xva_convert (const char *image, const char *out_format,
                 const char *output, const struct writer_options *wopts,
                 struct copy_stats *st, copy_progress_fn progress,
                 void *progress_opaque, uint64_t *usage);

#endif /* V2K_XVA_CONVERT_H */
