/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the libguestfs boundary of the guest fixups.
 *
 * Every libguestfs failure is translated here into one set_error()
 * carrying guestfs_last_error() (an error handler installed at creation
 * keeps libguestfs from printing on its own).  Every change to the guest
 * goes through fx_write/fx_unlink/fx_symlink/fx_command, which log it as
 * "fixup: FILE: WHAT" and, for files, keep the original so fx_rollback()
 * can restore it when a later step fails.
 *
 * Paths are guest paths (the root is mounted at /).  libguestfs resolves
 * them inside the guest except for the last component of a write, so a
 * symlink is resolved with guestfs_realpath before writing through it.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "xalloc.h"

int
gfs_error (guestfs_h *g, const char *what)
{
  const char *msg = guestfs_last_error (g);

  set_error (EIO, "%s: %s", what, msg ? msg : "unknown libguestfs error");
  error_set_kind (V2K_ERR_GUEST);
  return -1;
}

int
fx_gfs_error (struct fx *fx, const char *what)
{
  return gfs_error (fx->g, what);
}

void
fx_log (struct fx *fx, const char *file, const char *fmt, ...)
{
  va_list ap;
  char *what;

  va_start (ap, fmt);
  if (vasprintf (&what, fmt, ap) == -1)
    abort ();
  va_end (ap);
  /* The same edit on many lines of one file (grub.cfg) is one change. */
  for (size_t i = 0; i < fx->changes->len; ++i)
    if (strcmp (fx->changes->ptr[i].file, file) == 0 &&
        strcmp (fx->changes->ptr[i].what, what) == 0) {
      free (what);
      return;
    }
  fixup_change_list_append (fx->changes, (struct fixup_change) {
      .file = xstrdup (file), .what = what });
  debug ("fixup: %s: %s", file, what);
}

bool
fx_is_file (struct fx *fx, const char *path)
{
  return guestfs_is_file_opts (fx->g, path,
                               GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1,
                               -1) > 0;
}

bool
fx_is_dir (struct fx *fx, const char *path)
{
  return guestfs_is_dir_opts (fx->g, path,
                              GUESTFS_IS_DIR_OPTS_FOLLOWSYMLINKS, 1, -1) > 0;
}

bool
fx_is_symlink (struct fx *fx, const char *path)
{
  return guestfs_is_symlink (fx->g, path) > 0;
}

const char *
fx_first_file (struct fx *fx, const char *const *paths)
{
  for (; paths && *paths; ++paths)
    if (fx_is_file (fx, *paths))
      return *paths;
  return NULL;
}

/* Below the protocol's 4 MiB message limit (guestfs(3) "PROTOCOL LIMITS"). */
#define FX_PREAD_MAX (2 * 1024 * 1024)

int
fx_read (struct fx *fx, const char *path, char **out, size_t *size)
{
  char *buf;
  size_t n;

  *out = NULL;
  if (!fx_is_file (fx, path))
    return 0;
  /* One pread is one appliance round trip; read_file is a download
   * (several messages and a local temporary file): under TCG 30 ms
   * against 140 ms, and fixups read dozens of small files.  A file the
   * pread fills completely may be longer: read it whole. */
  buf = guestfs_pread (fx->g, path, FX_PREAD_MAX, 0, &n);
  if (buf != NULL && n == FX_PREAD_MAX) {
    free (buf);
    buf = guestfs_read_file (fx->g, path, &n);
  }
  if (buf == NULL) {
    CLEANUP_FREE char *what = xasprintf ("cannot read '%s'", path);
    return fx_gfs_error (fx, what);
  }
  *out = xmalloc (n + 1);
  memcpy (*out, buf, n);
  (*out)[n] = '\0';
  free (buf);
  if (size)
    *size = n;
  return 1;
}

static int
cmp_string (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
fx_ls (struct fx *fx, const char *dir, string_vector *out)
{
  char **names;

  if (!fx_is_dir (fx, dir))
    return 0;
  names = guestfs_ls (fx->g, dir);
  if (names == NULL) {
    CLEANUP_FREE char *what = xasprintf ("cannot list '%s'", dir);
    return fx_gfs_error (fx, what);
  }
  for (size_t i = 0; names[i]; ++i)
    string_vector_append (out, names[i]);
  free (names);
  qsort (out->ptr, out->len, sizeof out->ptr[0], cmp_string);
  return 0;
}

/* Remember what path held before its first change. */
static int
backup (struct fx *fx, const char *path)
{
  struct fx_backup b = { .path = xstrdup (path) };

  for (size_t i = 0; i < fx->backups.len; ++i)
    if (strcmp (fx->backups.ptr[i].path, path) == 0) {
      free (b.path);
      return 0;
    }
  if (fx_is_symlink (fx, path)) {
    b.link = guestfs_readlink (fx->g, path);
    if (b.link == NULL) {
      free (b.path);
      return fx_gfs_error (fx, "readlink");
    }
  }
  else if (fx_read (fx, path, &b.content, &b.size) == -1) {
    free (b.path);
    return -1;
  }
  fx_backup_list_append (&fx->backups, b);
  return 0;
}

/* The path a write should go to: symlinks resolved inside the guest. */
static char *
write_target (struct fx *fx, const char *path)
{
  if (fx_is_symlink (fx, path)) {
    char *p = guestfs_realpath (fx->g, path);
    if (p == NULL)
      fx_gfs_error (fx, path);
    return p;
  }
  return xstrdup (path);
}

static int
ensure_parent (struct fx *fx, const char *path)
{
  CLEANUP_FREE char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');

  if (slash == NULL || slash == dir)
    return 0;
  *slash = '\0';
  if (fx_is_dir (fx, dir))
    return 0;
  if (guestfs_mkdir_p (fx->g, dir) == -1)
    return fx_gfs_error (fx, dir);
  fx_log (fx, dir, "created directory");
  return 0;
}

int
fx_write (struct fx *fx, const char *path, const char *content, size_t len,
          const char *what)
{
  CLEANUP_FREE char *target = write_target (fx, path);

  if (target == NULL || backup (fx, target) == -1 ||
      ensure_parent (fx, target) == -1)
    return -1;
  if (guestfs_write (fx->g, target, content, len) == -1) {
    CLEANUP_FREE char *msg = xasprintf ("cannot write '%s'", target);
    return fx_gfs_error (fx, msg);
  }
  if (what)
    fx_log (fx, target, "%s", what);
  return 0;
}

int
fx_unlink (struct fx *fx, const char *path, const char *what)
{
  if (backup (fx, path) == -1)
    return -1;
  if (guestfs_rm_f (fx->g, path) == -1) {
    CLEANUP_FREE char *msg = xasprintf ("cannot remove '%s'", path);
    return fx_gfs_error (fx, msg);
  }
  fx_log (fx, path, "%s", what);
  return 0;
}

int
fx_symlink (struct fx *fx, const char *target, const char *path,
            const char *what)
{
  if (backup (fx, path) == -1 || ensure_parent (fx, path) == -1)
    return -1;
  if (guestfs_ln_sf (fx->g, target, path) == -1) {
    CLEANUP_FREE char *msg = xasprintf ("cannot create link '%s'", path);
    return fx_gfs_error (fx, msg);
  }
  fx_log (fx, path, "%s", what);
  return 0;
}

int
fx_copy (struct fx *fx, const char *from, const char *to, const char *what)
{
  if (backup (fx, to) == -1 || ensure_parent (fx, to) == -1)
    return -1;
  if (guestfs_cp (fx->g, from, to) == -1) {
    CLEANUP_FREE char *msg = xasprintf ("cannot copy '%s' to '%s'", from, to);
    return fx_gfs_error (fx, msg);
  }
  fx_log (fx, to, "%s", what);
  return 0;
}

static char *
join_argv (const char *const *argv)
{
  size_t len = 1;
  char *s;

  for (size_t i = 0; argv[i]; ++i)
    len += strlen (argv[i]) + 3;
  s = xzalloc (len);
  for (size_t i = 0; argv[i]; ++i) {
    bool quote = argv[i][0] == '\0' || strchr (argv[i], ' ');
    if (i)
      strcat (s, " ");
    if (quote)
      strcat (s, "'");
    strcat (s, argv[i]);
    if (quote)
      strcat (s, "'");
  }
  return s;
}

int
fx_command (struct fx *fx, const char *const *argv)
{
  CLEANUP_FREE char *line = join_argv (argv);
  char *out;

  fx_log (fx, "command", "%s", line);
  if (fx->opts->dry_run || fx->opts->list_commands)
    return 0;
  free (fx->modlist_version);
  fx->modlist_version = NULL;
  out = guestfs_command (fx->g, (char *const *) argv);
  if (out == NULL) {
    const char *msg = guestfs_last_error (fx->g);
    if (msg && strncmp (msg, "command: ", 9) == 0)
      msg += 9;                 /* libguestfs's own prefix */
    set_error (EIO, "'%s' failed in the guest: %s", argv[0],
               msg ? msg : "unknown error");
    error_set_kind (V2K_ERR_GUEST);
    return -1;
  }
  debug ("%s: %s", argv[0], out);
  free (out);
  return 0;
}

int
fx_replace (struct fx *fx, const char *path, const char *new_local,
            char *orig, size_t orig_size, const char *what)
{
  CLEANUP_FREE char *tmp = NULL;
  struct guestfs_statns *st;
  struct fx_backup b = {
    .path = xstrdup (path), .content = orig, .size = orig_size,
  };

  fx_backup_list_append (&fx->backups, b);
  st = guestfs_statns (fx->g, path);
  if (st == NULL)
    return fx_gfs_error (fx, path);
  int mode = (int) (st->st_mode & 07777);
  guestfs_free_statns (st);
  /* Beside it, so the rename is atomic and the old file stays whole if
   * the upload fails (a full /boot). */
  {
    const char *slash = strrchr (path, '/');
    tmp = xasprintf ("%.*s/.%s.v2kvm", (int) (slash - path), path, slash + 1);
  }
  if (guestfs_upload (fx->g, new_local, tmp) == -1 ||
      guestfs_chmod (fx->g, mode, tmp) == -1 ||
      guestfs_rename (fx->g, tmp, path) == -1) {
    CLEANUP_FREE char *msg = xasprintf ("cannot replace '%s'", path);
    int r = fx_gfs_error (fx, msg);
    guestfs_rm_f (fx->g, tmp);
    return r;
  }
  fx_log (fx, path, "%s", what);
  return 0;
}

/* guestfs_write carries at most a protocol message (4 MiB): larger
 * originals (an initramfs) go back through a local file. */
static int
restore_content (guestfs_h *g, const struct fx_backup *b)
{
  char tmp[] = "/tmp/v2kvm-restore.XXXXXX";
  int fd, r;

  if (b->size < 1024 * 1024)
    return guestfs_write (g, b->path, b->content, b->size);
  fd = mkstemp (tmp);
  if (fd == -1)
    return -1;
  r = write (fd, b->content, b->size) == (ssize_t) b->size ? 0 : -1;
  close (fd);
  if (r == 0)
    r = guestfs_upload (g, tmp, b->path);
  unlink (tmp);
  return r;
}

void
fx_rollback (struct fx *fx)
{
  guestfs_h *g = fx->g;

  for (size_t i = fx->backups.len; i-- > 0; ) {
    struct fx_backup *b = &fx->backups.ptr[i];
    int r = guestfs_rm_f (g, b->path);
    if (b->link)
      r = guestfs_ln_s (g, b->link, b->path);
    else if (b->content)
      r = restore_content (g, b);
    if (r == -1)
      warning ("restore-failed", "could not restore '%s': %s", b->path,
               guestfs_last_error (g));
  }
  if (fx->backups.len)
    warning ("files-restored", "restored the %zu files changed before the failure",
             fx->backups.len);
}

void
fx_backups_free (struct fx *fx)
{
  for (size_t i = 0; i < fx->backups.len; ++i) {
    free (fx->backups.ptr[i].path);
    free (fx->backups.ptr[i].content);
    free (fx->backups.ptr[i].link);
  }
  fx_backup_list_reset (&fx->backups);
}
