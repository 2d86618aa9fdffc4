/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: read-only byte files.
 *
 * Disk readers never call open(2) themselves: they read a `struct bfile`,
 * which is a plain file opened O_RDONLY, or a member of an archive (an OVA
 * is a tar; the disk inside is read in place).  A reader that needs
 * another file (a VMDK extent, a snapshot parent, a VHD parent) asks the
 * bfile it came from for a sibling, so the same reader works on a
 * directory and inside a tar.  The source is never opened for writing.
 *
 * Contract of every implementation:
 *   - pread() and extents() may be called concurrently from several
 *     threads (they use pread(2) on a shared descriptor);
 *   - reading outside [0, size) is an error (EINVAL, "truncated"), never a
 *     short read;
 *   - errors are recorded with set_error() (error.h), naming the file.
 */
#ifndef V2K_BFILE_H
#define V2K_BFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "extents.h"

struct bfile;

struct bfile_ops {
  /* Read exactly count bytes at offset; 0 or -1.  The core (bfile_pread)
   * has already checked offset + count <= size. */
  int (*pread) (struct bfile *f, void *buf, size_t count, uint64_t offset);

  /* Optional.  Append the allocation map of [offset, offset+count) to
   * out (ascending, contiguous, at least one extent covering offset; may
   * go past count).  Without it, the whole file is data. */
  int (*extents) (struct bfile *f, uint64_t offset, uint64_t count,
                  extent_list *out);

  /* Open the file called name, resolved the way this container resolves
   * names (relative to the file's directory, or the archive's member
   * list).  NULL + set_error on failure. */
  struct bfile *(*open_sibling) (struct bfile *f, const char *name);

  /* Free f and whatever it owns.  Never fails. */
  void (*close) (struct bfile *f);
};

struct bfile {
  const struct bfile_ops *ops;
  char *name;           /* for messages: path, or "archive.ova:disk1.vmdk" */
  uint64_t size;        /* bytes */
  int fd;               /* descriptor holding the bytes, or -1 (remote) */
  uint64_t base;        /* offset of byte 0 of this file inside fd */
  dev_t dev;            /* identity of fd (with base) for loop checks */
  ino_t ino;
  void *priv;           /* implementation's own data */
};

/* Open a plain file read-only.  NULL + set_error on failure. */
struct bfile *bfile_open (const char *path);

/* Make a bfile for the byte range [base, base+size) of fd, which is
 * borrowed (the caller keeps it open longer than the bfile).  Used by
 * archive readers; ops may be NULL for a range with no siblings. */
struct bfile *bfile_new_range (int fd, uint64_t base, uint64_t size,
                               const char *name,
                               const struct bfile_ops *ops, void *priv);

/* Read exactly count bytes at offset: 0, or -1 with set_error (reading
 * past the end is "file is truncated"). */
int bfile_pread (struct bfile *f, void *buf, size_t count, uint64_t offset);

/* Allocation map (see bfile_ops.extents). */
int bfile_extents (struct bfile *f, uint64_t offset, uint64_t count,
                   extent_list *out);

/* Open a sibling file (see bfile_ops.open_sibling). */
struct bfile *bfile_open_sibling (struct bfile *f, const char *name);

/* Close; NULL-safe. */
void bfile_close (struct bfile *f);

/* True if a and b are the same bytes (same file and base; for remote
 * files, fd -1, the same name). */
int bfile_same (const struct bfile *a, const struct bfile *b);

#endif /* V2K_BFILE_H */
