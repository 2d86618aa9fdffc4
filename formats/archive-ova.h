/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: OVA internals: the package opened by archive-ova.c, used by the
 * archive entry points (archive.c) and the "ova" block-source driver
 * (disk-ova.c); gzip members (archive-gunzip.c).  The OVF's disk
 * references are read by cfg-ovf.c (cfg-ovf.h). */
#ifndef V2K_OVA_H
#define V2K_OVA_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "archive.h"
#include "bfile.h"
#include "cfg-ovf.h"

struct blk;
struct tar;

/* An opened OVA, .ovf or directory; also the "ova" driver's handle. */
struct ova {
  /* Background manifest check (blk_open_options.verify_later; the
   * driver starts it, ova_free stops it). */
  pthread_t thread;
  bool thread_running;
  volatile sig_atomic_t cancel;
  int verify_errno;             /* result: 0, or errno + message */
  char *verify_msg;

  struct tar *tar;              /* NULL for a plain .ovf */
  struct bfile *ovf;            /* the descriptor */
  bool own_ovf;                 /* ovf is a member we opened */
  ovf_disk_vector disks;        /* DiskSection, in document order */
  struct blk *inner;            /* the chosen disk (driver only) */
};

/* Case-insensitive: does s end with suffix? */
bool ova_has_suffix (const char *s, const char *suffix);

/* Do the first len bytes h of a file start a (ustar or GNU) tar? */
bool ova_head_is_tar (const uint8_t *h, size_t len);

/* Open file (borrowed: the caller closes it after ova_free) as an OVA
 * tar or a plain .ovf, and read its disk list.  NULL + set_error
 * (EINVAL: no .ovf in the tar, a bad tar or descriptor). */
struct ova *ova_load (struct bfile *file);

/* Open path as an OVA, a .ovf or a directory holding one; *filep is the
 * file opened, to close after ova_free.  NULL + set_error. */
struct ova *ova_open_path (const char *path, struct bfile **filep);

/* Stop a running manifest check, close the inner disk and what the
 * package opened, and free o.  NULL-safe. */
void ova_free (struct ova *o);

/* The single .ovf in directory dir ("dir/name.ovf", caller frees), or
 * NULL + set_error (EISDIR if there is none, EINVAL if several). */
char *ova_dir_descriptor (const char *dir);

/* Check o's manifest (stem.mf, else the only .mf member): every listed
 * file's digest, each told to fn (may be NULL); cancel (may be NULL)
 * set stops it.  0 all good, also with no manifest (a warning); -1 +
 * set_error (EBADMSG: a mismatch or a listed file absent). */
int ova_verify_loaded (struct ova *o, archive_report_fn fn, void *opaque,
                       volatile sig_atomic_t *cancel);

/* Inflate the gzip member (ovf:compression="gzip"; closed here, also on
 * failure) into an anonymous O_TMPFILE in $TMPDIR (default /var/tmp),
 * zero blocks left as holes.  More than max_out bytes of output is
 * refused (EINVAL) before they are written: a small member can inflate
 * about 1000-fold.  NULL + set_error. */
struct bfile *ova_gunzip_member (struct bfile *member, uint64_t max_out);

/* The largest decompressed file a disk of capacity bytes (-1: the OVF
 * gives none) can plausibly be: the capacity plus the metadata and
 * compression overhead of an image format (an incompressible
 * streamOptimized VMDK grows by about 1/8).  0 + set_error (ENOTSUP)
 * when the capacity is unknown: the size could not be bounded. */
uint64_t ova_gunzip_limit (const char *name, int64_t capacity);

#endif /* V2K_OVA_H */
