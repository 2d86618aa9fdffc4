/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: plain-file implementation of bfile (see bfile.h).
 *
 * Extents come from lseek(SEEK_DATA/SEEK_HOLE), as in libnbd's nbdcopy
 * copy/file-ops.c; a filesystem without them reports all data. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bfile.h"
#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "refs.h"
#include "xalloc.h"

static int
plain_pread (struct bfile *f, void *buf, size_t count, uint64_t offset)
{
  char *p = buf;

  while (count > 0) {
    ssize_t r = pread (f->fd, p, count, (off_t) (f->base + offset));
    if (r == -1) {
      if (errno == EINTR)
        continue;
      set_error_errno ("cannot read '%s' at offset %" PRIu64, f->name, offset);
      return -1;
    }
    if (r == 0) {
      set_error (EINVAL, "'%s': unexpected end of file at offset %" PRIu64
                 " (file is truncated)", f->name, offset);
      return -1;
    }
    p += r;
    count -= r;
    offset += r;
  }
  return 0;
}

static int
plain_extents (struct bfile *f, uint64_t offset, uint64_t count,
               extent_list *out)
{
  uint64_t end = f->size;
  uint64_t pos = offset;

  /* Only whole plain files: for a range inside an archive, SEEK_DATA
   * answers for the container and the range is reported as data. */
  if (f->base != 0) {
    extent_list_add (out, offset, end - offset, EXT_DATA);
    return 0;
  }
  while (pos < end && pos < offset + count) {
    off_t d = lseek (f->fd, (off_t) pos, SEEK_DATA);
    if (d == -1 && errno == ENXIO)
      d = (off_t) end;                  /* hole up to the end */
    else if (d == -1) {                 /* no SEEK_DATA: all data */
      extent_list_add (out, pos, end - pos, EXT_DATA);
      return 0;
    }
    if ((uint64_t) d > end)
      d = (off_t) end;
    extent_list_add (out, pos, (uint64_t) d - pos, EXT_HOLE);
    pos = (uint64_t) d;
    if (pos >= end)
      break;
    off_t h = lseek (f->fd, (off_t) pos, SEEK_HOLE);
    if (h == -1 || (uint64_t) h > end)
      h = (off_t) end;
    extent_list_add (out, pos, (uint64_t) h - pos, EXT_DATA);
    pos = (uint64_t) h;
  }
  return 0;
}

/* The real path of directory dir (malloc'd); dir itself, made
 * absolute, if it cannot be resolved (then nothing will be inside). */
static char *
real_dir (const char *dir)
{
  char *r = realpath (dir, NULL);
  char cwd[PATH_MAX];

  if (r)
    return r;
  if (dir[0] == '/' || !getcwd (cwd, sizeof cwd))
    return xstrdup (dir);
  return xasprintf ("%s/%s", cwd, dir);
}

static char *
dir_of (const char *path)
{
  CLEANUP_FREE char *copy = xstrdup (path);

  return xstrdup (dirname (copy));
}

/* What kind of non-regular file mode is, for messages. */
static const char *
file_kind (mode_t mode)
{
  return S_ISBLK (mode) ? "block device" : S_ISCHR (mode) ? "character device"
    : S_ISFIFO (mode) ? "FIFO" : S_ISSOCK (mode) ? "socket"
    : S_ISDIR (mode) ? "directory" : "special file";
}

/* Refuse the reference ref made by referrer (EACCES: exit 3). */
static void
refuse (const char *referrer, const char *ref, const char *why)
{
  set_error (EACCES, "'%s': reference '%s' %s", referrer, ref, why);
}

static struct bfile *from_fd (int fd, const struct stat *st,
                              const char *path);

/* Open path, the file that reference ref made by referrer leads to: a
 * regular file only (checked before opening, so that no device is ever
 * opened, and again on the descriptor), and inside root (when set) once
 * symbolic links are resolved.  The result inherits root. */
static struct bfile *
open_checked (const char *referrer, const char *ref, const char *path,
              const char *root)
{
  struct stat st;
  struct bfile *f;
  int fd;

  if (stat (path, &st) == -1) {
    set_error_errno ("'%s': cannot open '%s'", referrer, path);
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    CLEANUP_FREE char *why =
      xasprintf ("is a %s, not an image file: refused (a device, FIFO or "
                 "socket is read only when named on the command line)",
                 file_kind (st.st_mode));
    refuse (referrer, ref, why);
    return NULL;
  }
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd == -1) {
    set_error_errno ("'%s': cannot open '%s'", referrer, path);
    return NULL;
  }
  if (fstat (fd, &st) == -1 || !S_ISREG (st.st_mode) ||
      fcntl (fd, F_SETFL, 0) == -1) {
    refuse (referrer, ref, "changed while it was opened: refused");
    close (fd);
    return NULL;
  }
  if (root) {
    CLEANUP_FREE char *proc = xasprintf ("/proc/self/fd/%d", fd);
    CLEANUP_FREE char *real = realpath (proc, NULL);
    if (!real)
      real = realpath (path, NULL);
    if (!real || !ref_inside (real, root)) {
      CLEANUP_FREE char *why =
        xasprintf ("leads outside '%s' through a symbolic link (to '%s'): "
                   "refused (--allow-external-refs follows it)", root,
                   real ? real : "?");
      refuse (referrer, ref, why);
      close (fd);
      return NULL;
    }
  }
  f = from_fd (fd, &st, path);
  f->ref_root = root ? xstrdup (root) : NULL;
  return f;
}

/* Open the file that reference ref made by referrer names, with root
 * the real directory it may not leave (NULL: anywhere). */
static struct bfile *
open_ref (const char *referrer, const char *ref, const char *root)
{
  CLEANUP_FREE char *dir = dir_of (referrer);
  CLEANUP_FREE char *rdir = real_dir (dir);
  CLEANUP_FREE char *base = xstrdup (referrer);
  CLEANUP_FREE char *rreferrer = xasprintf ("%s/%s", rdir,
                                            basename (base));
  CLEANUP_FREE char *resolved = NULL;
  CLEANUP_FREE char *path = NULL;
  enum ref_verdict v;

  v = ref_resolve (rreferrer, ref, root, &resolved);
  if (v == REF_OUTSIDE && ref[0] == '/') {
    /* An ESXi descriptor copied off /vmfs/volumes/...: its absolute
     * names are looked for beside it instead, with a warning. */
    CLEANUP_FREE char *refcopy = xstrdup (ref);
    path = xasprintf ("%s/%s", dir, basename (refcopy));
    if (access (path, F_OK) == 0) {
      if (access (ref, F_OK) == 0)
        warning ("reference-outside", "'%s' is outside '%s', using '%s' instead", ref, root,
                 path);
      else
        warning ("reference-missing", "'%s' does not exist, using '%s' instead", ref, path);
      return open_checked (referrer, ref, path, root);
    }
    free (path);
    path = NULL;
  }
  if (v != REF_OK) {
    CLEANUP_FREE char *why =
      v == REF_OUTSIDE ?
      xasprintf ("leads outside '%s': refused (--allow-external-refs "
                 "follows it)", root) :
      xasprintf ("%s: refused", ref_verdict_string (v));
    refuse (referrer, ref, why);
    return NULL;
  }
  if (ref[0] == '/') {
    if (access (ref, F_OK) == 0)
      return open_checked (referrer, ref, ref, root);
    /* Inside the root but absent: beside the referrer, as above. */
    CLEANUP_FREE char *refcopy = xstrdup (ref);
    path = xasprintf ("%s/%s", dir, basename (refcopy));
    if (access (path, F_OK) == 0) {
      warning ("reference-missing", "'%s' does not exist, using '%s' instead", ref, path);
      return open_checked (referrer, ref, path, root);
    }
    return open_checked (referrer, ref, ref, root); /* reports it */
  }
  path = xasprintf ("%s/%s", dir, ref);
  return open_checked (referrer, ref, path, root);
}

struct bfile *
bfile_open_ref (const char *referrer, const char *ref, bool allow_external)
{
  CLEANUP_FREE char *dir = dir_of (referrer);
  CLEANUP_FREE char *root = allow_external ? NULL : real_dir (dir);

  return open_ref (referrer, ref, root);
}

/* Siblings of a plain file: relative names are relative to its
 * directory, under the reference rule. */
static struct bfile *
plain_open_sibling (struct bfile *f, const char *name)
{
  return open_ref (f->name, name, f->ref_root);
}

static void
plain_close (struct bfile *f)
{
  close (f->fd);
  free (f->ref_root);
  free (f->name);
  free (f);
}

static const struct bfile_ops plain_ops = {
  .pread = plain_pread,
  .extents = plain_extents,
  .open_sibling = plain_open_sibling,
  .close = plain_close,
};

static struct bfile *
from_fd (int fd, const struct stat *st, const char *path)
{
  struct bfile *f = xzalloc (sizeof *f);

  f->ops = &plain_ops;
  f->name = xstrdup (path);
  f->fd = fd;
  f->dev = st->st_dev;
  f->ino = st->st_ino;
  if (S_ISBLK (st->st_mode)) {
    off_t end = lseek (fd, 0, SEEK_END);
    f->size = end > 0 ? (uint64_t) end : 0;
  }
  else
    f->size = (uint64_t) st->st_size;
  return f;
}

struct bfile *
bfile_open (const char *path)
{
  CLEANUP_FREE char *dir = NULL;
  struct stat st;
  struct bfile *f;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    set_error_errno ("cannot open '%s'", path);
    return NULL;
  }
  if (fstat (fd, &st) == -1) {
    set_error_errno ("cannot stat '%s'", path);
    close (fd);
    return NULL;
  }
  if (S_ISDIR (st.st_mode)) {
    set_error (EISDIR, "'%s' is a directory, not a disk image", path);
    close (fd);
    return NULL;
  }
  f = from_fd (fd, &st, path);
  dir = dir_of (path);
  f->ref_root = real_dir (dir);
  return f;
}

void
bfile_allow_external_refs (struct bfile *f)
{
  free (f->ref_root);
  f->ref_root = NULL;
}

static int
range_pread (struct bfile *f, void *buf, size_t count, uint64_t offset)
{
  return plain_pread (f, buf, count, offset);
}

static const struct bfile_ops range_ops = {
  .pread = range_pread,
};

struct bfile *
bfile_new_range (int fd, uint64_t base, uint64_t size, const char *name,
                 const struct bfile_ops *ops, void *priv)
{
  struct bfile *f = xzalloc (sizeof *f);
  struct stat st;

  f->ops = ops ? ops : &range_ops;
  f->name = xstrdup (name);
  f->fd = fd;
  f->base = base;
  f->size = size;
  f->priv = priv;
  if (fstat (fd, &st) == 0) {
    f->dev = st.st_dev;
    f->ino = st.st_ino;
  }
  return f;
}

int
bfile_pread (struct bfile *f, void *buf, size_t count, uint64_t offset)
{
  uint64_t end;

  if (count == 0)
    return 0;
  if (ADD_OVERFLOW (offset, (uint64_t) count, &end) || end > f->size) {
    set_error (EINVAL, "'%s': read of %zu bytes at offset %" PRIu64
               " is past the end of the file (%" PRIu64 " bytes): "
               "file is truncated or corrupt", f->name, count, offset,
               f->size);
    return -1;
  }
  return f->ops->pread (f, buf, count, offset);
}

int
bfile_extents (struct bfile *f, uint64_t offset, uint64_t count,
               extent_list *out)
{
  if (offset >= f->size) {
    set_error (EINVAL, "'%s': extents query past end of file", f->name);
    return -1;
  }
  if (f->ops->extents)
    return f->ops->extents (f, offset, count, out);
  extent_list_add (out, offset, f->size - offset, EXT_DATA);
  return 0;
}

struct bfile *
bfile_open_sibling (struct bfile *f, const char *name)
{
  if (!f->ops->open_sibling) {
    set_error (ENOENT, "'%s': cannot open '%s' next to it", f->name, name);
    return NULL;
  }
  return f->ops->open_sibling (f, name);
}

void
bfile_close (struct bfile *f)
{
  if (!f)
    return;
  if (f->ops->close)
    f->ops->close (f);
  else {
    free (f->ref_root);
    free (f->name);
    free (f);
  }
}

int
bfile_same (const struct bfile *a, const struct bfile *b)
{
  /* Remote files (bfile-remote.h) have no descriptor; their names are
   * the transport's resolved paths behind one prefix. */
  if (a->fd == -1 || b->fd == -1)
    return a->fd == b->fd && strcmp (a->name, b->name) == 0;
  return a->dev == b->dev && a->ino == b->ino && a->base == b->base;
}
