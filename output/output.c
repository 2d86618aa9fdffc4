/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: output table and shared helpers (see output.h).  Files are
 * written atomically: temporary name, fsync, rename(2), fsync of the
 * directory. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "domxml.h"
#include "error.h"
#include "output.h"
#include "xalloc.h"

static const struct output_driver *const outputs[] = {
  &local_output, &libvirt_output, &qemu_output, &null_output, NULL
};

struct output *
output_new (const struct output_opts *opts)
{
  const char *type = opts->type ? opts->type : "local";
  struct output *o;

  for (size_t i = 0; outputs[i]; ++i) {
    if (strcmp (outputs[i]->name, type) == 0) {
      o = xzalloc (sizeof *o);
      o->drv = outputs[i];
      o->opts = *opts;
      o->opts.type = type;
      if (!o->opts.format)
        o->opts.format = "qcow2";
      return o;
    }
  }
  set_error (EINVAL, "unknown output '-o %s' (expected local, libvirt, "
             "qemu or null)", type);
  error_set_kind (V2K_ERR_USAGE);
  return NULL;
}

void
output_free (struct output *o)
{
  if (o && o->drv->close)
    o->drv->close (o);
  free (o);
}

void
output_targets_clear (size_t n, struct output_target *targets)
{
  for (size_t i = 0; i < n; ++i) {
    free (targets[i].name);
    if (targets[i].domain_path != targets[i].path)
      free (targets[i].domain_path);
    free (targets[i].path);
    targets[i].name = targets[i].path = targets[i].domain_path = NULL;
  }
}

int
output_check_dir (const char *dir, uint64_t bytes)
{
  struct statvfs sv;
  uint64_t avail;

  if (access (dir, W_OK | X_OK) == -1) {
    set_error_errno ("output directory '%s' is not writable", dir);
    error_set_kind (V2K_ERR_OUTPUT);
    return -1;
  }
  if (statvfs (dir, &sv) == -1) {
    set_error_errno ("cannot check free space in '%s'", dir);
    error_set_kind (V2K_ERR_OUTPUT);
    return -1;
  }
  avail = (uint64_t) sv.f_bavail * sv.f_frsize;
  if (avail < bytes) {
    set_error (ENOSPC, "not enough space in '%s': the converted disks need "
               "about %" PRIu64 " MiB, %" PRIu64 " MiB are free", dir,
               bytes >> 20, avail >> 20);
    error_set_kind (V2K_ERR_OUTPUT);
    return -1;
  }
  return 0;
}

int
output_write_file (const char *path, const char *contents, int mode)
{
  CLEANUP_FREE char *tmp = xasprintf ("%s.v2kvm-tmp-XXXXXX", path);
  size_t len = strlen (contents);
  int fd = mkstemp (tmp);

  if (fd == -1) {
    set_error_errno ("cannot create '%s'", path);
    error_set_kind (V2K_ERR_OUTPUT);
    return -1;
  }
  if (write (fd, contents, len) != (ssize_t) len || fchmod (fd, mode) == -1
      || fsync (fd) == -1) {
    set_error_errno ("cannot write '%s'", path);
    error_set_kind (V2K_ERR_OUTPUT);
    close (fd);
    unlink (tmp);
    return -1;
  }
  close (fd);
  if (rename (tmp, path) == -1) {
    set_error_errno ("cannot rename '%s' to '%s'", tmp, path);
    error_set_kind (V2K_ERR_OUTPUT);
    unlink (tmp);
    return -1;
  }
  /* Make the rename durable (as the disk writer does). */
  fd = open (dirname (tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync (fd);
    close (fd);
  }
  return 0;
}

int
output_refuse_existing (const char *path, bool replace)
{
  if (!replace && access (path, F_OK) == 0) {
    set_error (EEXIST, "'%s' already exists (use --replace to overwrite it)",
               path);
    error_set_kind (V2K_ERR_OUTPUT);
    return -1;
  }
  return 0;
}

char *
output_target_name (const char *guest_name, size_t i)
{
  char sd[16];

  domxml_drive_name (sd, sizeof sd, "sd", i);
  return xasprintf ("%s-%s", guest_name, sd);
}

void
output_note_existing (struct output_target *t)
{
  struct stat st;

  t->had_old = t->path && lstat (t->path, &st) == 0;
  if (t->had_old) {
    t->old_dev = (uint64_t) st.st_dev;
    t->old_ino = (uint64_t) st.st_ino;
  }
}

void
output_remove_written (const struct output_target *t)
{
  struct stat st;

  if (!t->path || lstat (t->path, &st) == -1)
    return;
  if (t->had_old && (uint64_t) st.st_dev == t->old_dev &&
      (uint64_t) st.st_ino == t->old_ino)
    return;
  unlink (t->path);
}
