/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: references stay inside the input's directory.
 *
 * A hostile image or archive must not make v2kvm read files of the
 * conversion host (a VMDK extent "/etc/shadow", a parent "../x.vhd", an
 * OVF href to a host file).  This harness writes the input (with its
 * sibling parts, fuzz.h) into its scratch directory and drives every
 * entry point that follows references (blk_open with probing,
 * cfg_read with probing, archive_read_guest, ova_verify), with open(),
 * openat(), fopen() and opendir() interposed: any of them naming a path
 * outside the scratch directory aborts the run.  The interposers are
 * strong definitions in this executable, so they also see the calls
 * libxml2 and zlib make from their shared objects.
 *
 * The first input byte picks the main file's name (the readers probe by
 * name too); the rest is the content. */
#include <config.h>
#undef _FORTIFY_SOURCE

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "archive.h"
#include "blk.h"
#include "cfg.h"
#include "error.h"
#include "fuzz.h"
#include "guest.h"
#include "archive-manifest.h"

static bool active;                     /* inside the parsers */
static char root[PATH_MAX];             /* realpath of the scratch dir */

/* Files the C library opens on its own, whatever the input says
 * (iconv's modules for a .vmx .encoding, locale data). */
static const char *const system_prefixes[] = {
  "/usr/lib/x86_64-linux-gnu/gconv/",
  "/usr/lib/locale/",
  NULL
};

static bool
under (const char *p, const char *dir)
{
  size_t n = strlen (dir);

  return strncmp (p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* Absolute, symlink-free form of path (relative to dirfd), or as much
 * of it as resolves; malloc'd. */
static char *
resolve (int dirfd, const char *path)
{
  char *dir = NULL, *joined, *slash, *out;

  if (path[0] == '/')
    joined = strdup (path);
  else {
    if (dirfd == AT_FDCWD)
      dir = getcwd (NULL, 0);
    else {
      char link[64], *buf = calloc (1, PATH_MAX);
      snprintf (link, sizeof link, "/proc/self/fd/%d", dirfd);
      if (buf && readlink (link, buf, PATH_MAX - 1) > 0)
        dir = buf;
      else
        free (buf);
    }
    if (asprintf (&joined, "%s/%s", dir ? dir : "?", path) == -1)
      joined = NULL;
    free (dir);
  }
  if (!joined)
    abort ();
  out = realpath (joined, NULL);
  if (out) {
    free (joined);
    return out;
  }
  /* Not there (yet): resolve the directory, keep the last name. */
  slash = strrchr (joined, '/');
  *slash = '\0';
  dir = realpath (joined[0] ? joined : "/", NULL);
  if (asprintf (&out, "%s/%s", dir && strcmp (slash + 1, "..") != 0 ? dir
                : joined, slash + 1) == -1)
    abort ();
  free (dir);
  free (joined);
  return out;
}

static void
check (int dirfd, const char *path, const char *fn)
{
  char *abs;

  if (!active || !path)
    return;
  abs = resolve (dirfd, path);
  if (under (abs, root)) {
    free (abs);
    return;
  }
  for (size_t i = 0; system_prefixes[i]; ++i)
    if (strncmp (abs, system_prefixes[i], strlen (system_prefixes[i])) == 0) {
      free (abs);
      return;
    }
  fprintf (stderr, "fuzz-confine: a parser called %s(\"%s\") = %s, outside "
           "the input's directory %s\n", fn, path, abs, root);
  abort ();
}

static int
do_openat (int dirfd, const char *path, int flags, va_list ap)
{
  mode_t mode = 0;

  if (flags & (O_CREAT | __O_TMPFILE))
    mode = va_arg (ap, mode_t);
  return (int) syscall (SYS_openat, dirfd, path, flags, mode);
}

int __open_2 (const char *path, int flags, ...);
int __open64_2 (const char *path, int flags, ...);
int __openat_2 (int dirfd, const char *path, int flags, ...);
int __openat64_2 (int dirfd, const char *path, int flags, ...);

#define OPEN_WRAPPER(name, dirfd_expr, ...)                      \
  int name (__VA_ARGS__, int flags, ...)                         \
  {                                                              \
    va_list ap;                                                  \
    int r;                                                       \
    check (dirfd_expr, path, #name);                             \
    va_start (ap, flags);                                        \
    r = do_openat (dirfd_expr, path, flags, ap);                 \
    va_end (ap);                                                 \
    return r;                                                    \
  }
OPEN_WRAPPER (open, AT_FDCWD, const char *path)
OPEN_WRAPPER (open64, AT_FDCWD, const char *path)
OPEN_WRAPPER (__open_2, AT_FDCWD, const char *path)
OPEN_WRAPPER (__open64_2, AT_FDCWD, const char *path)
OPEN_WRAPPER (openat, dirfd, int dirfd, const char *path)
OPEN_WRAPPER (openat64, dirfd, int dirfd, const char *path)
OPEN_WRAPPER (__openat_2, dirfd, int dirfd, const char *path)
OPEN_WRAPPER (__openat64_2, dirfd, int dirfd, const char *path)

FILE *
fopen (const char *path, const char *mode)
{
  static FILE *(*real) (const char *, const char *);

  check (AT_FDCWD, path, "fopen");
  if (!real)
    real = (FILE *(*) (const char *, const char *)) dlsym (RTLD_NEXT, "fopen");
  return real (path, mode);
}

FILE *
fopen64 (const char *path, const char *mode)
{
  return fopen (path, mode);
}

DIR *
opendir (const char *path)
{
  static DIR *(*real) (const char *);

  check (AT_FDCWD, path, "opendir");
  if (!real)
    real = (DIR *(*) (const char *)) dlsym (RTLD_NEXT, "opendir");
  return real (path);
}

static const char *const names[] = {
  "disk.vmdk", "disk.vhd", "disk.vhdx", "disk.qcow2", "disk.img",
  "guest.vmx", "guest.cfg", "guest.xml", "guest.ovf", "guest.ova",
  "guest.xva",
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path;
  struct guest *g = NULL;
  struct blk *b;

  if (size < 1)
    return 0;
  path = fuzz_write_files (data + 1, size - 1,
                           names[data[0] % (sizeof names / sizeof names[0])]);
  if (!root[0]) {
    /* libcrypto reads its openssl.cnf on first use: do that now. */
    free (digest_final_hex (digest_new ("sha256")));
    if (!realpath (fuzz_scratch (), root))
      abort ();
  }
  active = true;
  b = blk_open (path, NULL);
  if (b) {
    fuzz_walk_blk (b);
    blk_close (b);
  }
  if (cfg_read (NULL, path, &g) == 0)
    guest_free (g);
  g = NULL;
  if (archive_read_guest (path, &g) == 0)
    guest_free (g);
  ova_verify (path, NULL, NULL);
  active = false;
  clear_error ();
  return 0;
}
