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
 * Siblings are where the reference rule is enforced (refs.h): every
 * reference an input makes to another file goes through
 * bfile_open_sibling(), which refuses (EACCES, exit 3, one line naming
 * the referring file and the reference) a member reference that leaves
 * the archive, a file reference that leaves f->ref_root (also through a
 * symbolic link), and any device, FIFO or socket.
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

#include <stdbool.h>
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
   * list), if the reference rule allows it (see above).  NULL +
   * set_error on failure (EACCES: refused by the rule). */
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
  /* Plain files: the real directory (no symbolic links) that references
   * from this file may reach: bfile_open() sets the file's own
   * directory, siblings inherit it; NULL: anywhere
   * (bfile_allow_external_refs).  Unused by archive members. */
  char *ref_root;
};

/* Open a plain file read-only: the file the user named, so devices are
 * accepted here (never through a reference).  NULL + set_error. */
struct bfile *bfile_open (const char *path);

/* Let the references made from f (and its siblings opened from now on)
 * leave its directory (--allow-external-refs).  Devices, FIFOs and
 * sockets stay refused. */
void bfile_allow_external_refs (struct bfile *f);

/* Open the file that the file referrer names ref (a .vmx's disk) under
 * the reference rule: a regular file only, inside referrer's directory
 * (after symbolic links) unless allow_external; the result's references
 * are held to the same root.  NULL + set_error (EACCES: refused). */
struct bfile *bfile_open_ref (const char *referrer, const char *ref,
                              bool allow_external);

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
