/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: appliance archives: OVA/OVF (the entry points by path in
 * archive.c, the package in archive-ova.c, the "ova" block-source driver
 * in disk-ova.c) and XenServer XVA (archive-xva.c).
 *
 * An OVA (a tar, or a directory holding the .ovf) is read IN PLACE by
 * the "ova" block-source driver: the chosen disk is a tar member opened
 * as a bfile and handed to the usual readers, so `disk info`, `disk
 * convert`, blktool and the nbdkit plugin take an .ova like any image.
 * The manifest is checked when the archive is opened (one sequential
 * read of each listed member, before any conversion reads it), or, with
 * blk_open_options.verify_later, in a thread running alongside the
 * copy; see archive-ova.c for why it is not done in the copy's own
 * reads.
 *
 * An XVA can only be read forwards (it may be gzip- or zstd-compressed,
 * or arrive on stdin), so it is not a block source: xva_stream_disk()
 * walks the archive once, verifies every block's checksum and hands the
 * chosen disk's data blocks, in ascending order, to a sink.
 */
#ifndef V2K_ARCHIVE_H
#define V2K_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bfile.h"

/* The commands' choices for archives (--disk, --no-verify...) are the
 * archive members of struct blk_open_options (blk.h). */
struct blk_open_options;

/* ---- OVA / OVF ---- */

/* Kind of file at path, by content: */
enum archive_kind {
  ARCHIVE_NONE,                 /* not an archive: open it as a disk */
  ARCHIVE_OVA,                  /* tar whose first member is not ova.xml */
  ARCHIVE_OVF_DIR,              /* a directory with an .ovf, or an .ovf */
  ARCHIVE_XVA,                  /* tar starting with ova.xml, or gzip/zstd */
};
/* -1 + set_error if path cannot be read. "-" is an XVA on stdin. */
int archive_probe (const char *path, enum archive_kind *kind);

/* For a blk opened with verify_later (blk_open_options): wait for the
 * manifest check started by the open.  0 (also for any other blk), or
 * -1 + set_error (EBADMSG for a mismatch: the output must be dropped). */
struct blk;
int archive_verify_finish (struct blk *b);

/* Called for each manifest entry checked by ova_verify(). */
typedef void (*archive_report_fn) (void *opaque, const char *algo,
                                   const char *file, bool ok,
                                   const char *detail);

/* Check the manifest of the OVA (or directory / .ovf) at path: every
 * listed file's digest, reporting each.  Reports the .cert as present
 * but unchecked (algo "cert").  0 all good, also when there is no
 * manifest (with a warning); -1 + set_error (EBADMSG for a mismatch
 * or a listed file that is absent, naming the file and both digests). */
int ova_verify (const char *path, archive_report_fn report, void *opaque);

/* ---- XVA ---- */

/* Receives the chosen disk of an XVA: first size() once with the
 * virtual size, then data() for every present, non-empty block in
 * ascending offset order (absent blocks are holes: nothing is sent).
 * Each returns 0, or -1 + set_error to stop. */
struct xva_sink {
  int (*size) (void *opaque, const char *ref, uint64_t size);
  int (*data) (void *opaque, const void *buf, size_t len, uint64_t offset);
  void *opaque;
};

/* Read the XVA at path ("-" = stdin) once, verifying every block's
 * checksum (unless opts->no_verify), and send the chosen disk
 * (opts->disk) to sink; sink NULL only verifies all disks.  opts NULL:
 * the defaults; only its archive members are used.
 * report (may be NULL) is told each disk's result ("OK sha1 Ref:5").
 * 0, or -1 + set_error: EBADMSG for a checksum mismatch (naming the
 * block), EINVAL for a truncated or corrupt archive.  On failure the
 * caller must discard what the sink received. */
int xva_stream_disk (const char *path, const struct blk_open_options *opts,
                     const struct xva_sink *sink,
                     archive_report_fn report, void *opaque);

/* Read ova.xml, the first member of the XVA at path ("-" = stdin, of
 * which nothing more is read), into *xml (NUL-terminated, caller frees)
 * and *len.  0, or -1 + set_error (EINVAL: not an XVA, truncated,
 * ova.xml too large). */
int xva_read_ova_xml (const char *path, char **xml, size_t *len);

/* One pass over an XVA that cannot be read twice (stdin): open it and
 * read ova.xml, hand the caller the description, then stream every
 * disk's blocks.  Receives every present, non-empty block of every VDI,
 * verified, in archive order (ascending offsets within a disk), padded
 * to whole 1 MiB blocks except at the end of a disk.  0, or -1 +
 * set_error to stop. */
struct xva_all_sink {
  int (*data) (void *opaque, const char *ref, const void *buf, size_t len,
               uint64_t offset);
  void *opaque;
};
struct xva_stream;

/* Open the XVA at path ("-" = stdin) and read its first member, ova.xml,
 * into *xml (NUL-terminated, caller frees; xml may be NULL) and *len.
 * NULL + set_error as xva_read_ova_xml. */
struct xva_stream *xva_stream_open (const char *path, char **xml,
                                    size_t *len);

/* Read the rest of the archive once, to its end, checking every block's
 * checksum unless !verify, and send every disk's blocks to sink.  Once
 * per stream.  0, or -1 + set_error as xva_stream_disk (the caller
 * discards what the sink received). */
int xva_stream_all (struct xva_stream *s, bool verify,
                    const struct xva_all_sink *sink);

/* Close the input; NULL-safe. */
void xva_stream_close (struct xva_stream *s);

/* Read the guest description of an archive: the .ovf of an OVA (tar,
 * directory or .ovf file) or the ova.xml of an XVA.  Disks carry their
 * archive position in guest_disk.ref (see cfg.h); their path is the
 * archive's.  0 and *out, or -1 + set_error. */
struct guest;
int archive_read_guest (const char *path, struct guest **out);

#endif /* V2K_ARCHIVE_H */
