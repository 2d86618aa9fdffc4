/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: scratch directory and overlays (see scratch.h). */
#include <config.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "scratch.h"
#include "xalloc.h"

static char *dir;

static int
rm_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove (path) == -1 ? 0 : 0;
}

void
scratch_cleanup (void)
{
  if (dir) {
    nftw (dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free (dir);
    dir = NULL;
  }
}

const char *
scratch_dir (void)
{
  const char *base = getenv ("V2KVM_TMPDIR");

  if (dir)
    return dir;
  if (!base || !*base)
    base = getenv ("TMPDIR");
  if (!base || !*base)
    base = "/var/tmp";
  dir = xasprintf ("%s/v2kvm.XXXXXX", base);
  if (!mkdtemp (dir)) {
    set_error_errno ("cannot create a scratch directory in '%s'", base);
    error_set_kind (V2K_ERR_OUTPUT);
    free (dir);
    dir = NULL;
    return NULL;
  }
  atexit (scratch_cleanup);
  return dir;
}

char *
overlay_create (const char *backing_uri, unsigned long long size,
                const char *name)
{
  const char *d = scratch_dir ();
  char *path;
  CLEANUP_FREE char *opts = NULL;
  CLEANUP_FREE char *sizestr = NULL;
  int status;
  pid_t pid;

  if (!d)
    return NULL;
  path = xasprintf ("%s/%s.qcow2", d, name);
  opts = xasprintf ("backing_file=%s,backing_fmt=raw,compat=1.1,"
                    "lazy_refcounts=on", backing_uri);
  sizestr = xasprintf ("%llu", size);
  pid = fork ();
  if (pid == 0) {
    const char *argv[] = {
      "qemu-img", "create", "-q", "-f", "qcow2", "-o", opts, path, sizestr,
      NULL
    };
    execvp ("qemu-img", (char **) argv);
    fprintf (stderr, "v2kvm: cannot run qemu-img: %m\n");
    _exit (127);
  }
  if (pid == -1 || waitpid (pid, &status, 0) == -1 ||
      !WIFEXITED (status) || WEXITSTATUS (status) != 0) {
    set_error (EIO, "cannot create the overlay '%s' over '%s' (qemu-img "
               "failed)", path, backing_uri);
    error_set_kind (V2K_ERR_HYPERVISOR);
    free (path);
    return NULL;
  }
  return path;
}
