/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: virtio-win drivers for the Windows fixup.
 *
 * Finds the virtio-win tree (--virtio-win PATH, else $VIRTIO_WIN, else
 * /usr/share/virtio-win), picks for each driver the folder that matches
 * the guest (<driver>/<os>/<arch>/, the layout of the virtio-win ISO
 * published by the virtio-win project: viostor/w10/amd64/viostor.inf
 * ...), falling back to the nearest OLDER Windows of the same family
 * with a warning, and copies the folders into
 * %SystemRoot%\Drivers\VirtIO\<driver>\ (one sub-folder per driver, so
 * two packages never overwrite each other's files; pnputil /subdirs
 * finds them).  The boot driver's .sys also goes to System32\drivers.
 *
 * An ISO is unpacked to a temporary folder with bsdtar (libarchive's
 * ISO 9660 reader, with Joliet and Rock Ridge names), because the
 * appliance is already launched when the fixup runs and the direct
 * backend cannot hot-add a drive; unpacking on the host costs a few
 * seconds and no second appliance.  Only the driver folders are unpacked.
 *
 * Not done: checking driver signatures or INF OS decorations; the folder
 * name is trusted, as the virtio-win packaging guarantees it.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "windows.h"
#include "xalloc.h"

const char *const win_drv_name[NR_WIN_DRV] = {
  [DRV_VIOSTOR] = "viostor", [DRV_VIOSCSI] = "vioscsi",
  [DRV_NETKVM] = "NetKVM", [DRV_BALLOON] = "Balloon",
  [DRV_VIOSERIAL] = "vioserial", [DRV_VIORNG] = "viorng",
  [DRV_QXLDOD] = "qxldod", [DRV_PVPANIC] = "pvpanic",
  [DRV_VIOINPUT] = "vioinput",
};

/* virtio-win folder names, oldest first within each family, with the
 * first Windows version (major, minor, build) each one is for. */
struct osdir { const char *name; bool server; int major, minor; long build; };
static const struct osdir osdirs[] = {
  { "xp",     false, 5, 1, 0 },
  { "w7",     false, 6, 1, 0 },
  { "w8",     false, 6, 2, 0 },
  { "w8.1",   false, 6, 3, 0 },
  { "w10",    false, 10, 0, 0 },
  { "w11",    false, 10, 0, 22000 },
  { "2k3",    true, 5, 2, 0 },
  { "2k8",    true, 6, 0, 0 },
  { "2k8R2",  true, 6, 1, 0 },
  { "2k12",   true, 6, 2, 0 },
  { "2k12R2", true, 6, 3, 0 },
  { "2k16",   true, 10, 0, 14393 },
  { "2k19",   true, 10, 0, 17763 },
  { "2k22",   true, 10, 0, 20348 },
  { "2k25",   true, 10, 0, 26100 },
};
#define NR_OSDIRS (sizeof osdirs / sizeof osdirs[0])

/* Index of the newest folder not newer than the guest, or -1. */
static int
wanted_osdir (const struct win *w)
{
  int best = -1;

  for (size_t i = 0; i < NR_OSDIRS; ++i) {
    const struct osdir *o = &osdirs[i];
    if (o->server != w->server)
      continue;
    if (o->major > w->major ||
        (o->major == w->major && o->minor > w->minor) ||
        (o->major == w->major && o->minor == w->minor && o->build > w->build))
      continue;
    best = (int) i;
  }
  return best;
}

/* DIR/NAME, matching NAME case-insensitively; NULL if absent. */
static char *
find_ci (const char *dir, const char *name)
{
  CLEANUP_FREE char *exact = xasprintf ("%s/%s", dir, name);
  struct stat st;
  DIR *d;
  struct dirent *e;
  char *ret = NULL;

  if (stat (exact, &st) == 0)
    return xstrdup (exact);
  d = opendir (dir);
  if (!d)
    return NULL;
  while ((e = readdir (d)) != NULL)
    if (strcasecmp (e->d_name, name) == 0) {
      ret = xasprintf ("%s/%s", dir, e->d_name);
      break;
    }
  closedir (d);
  return ret;
}

/* The host folder holding driver DRV for this guest, or NULL; sets
 * *OSDIR to the chosen folder name.  Warns about a fallback if WARN. */
static char *
driver_dir (struct win *w, const char *drv, const char **osdir, bool warn)
{
  int want = wanted_osdir (w);
  CLEANUP_FREE char *top = find_ci (w->srcdir, drv);

  if (!top || want < 0)
    return NULL;
  for (int i = want; i >= 0; --i) {
    if (osdirs[i].server != w->server)
      continue;
    CLEANUP_FREE char *os = find_ci (top, osdirs[i].name);
    char *arch = os ? find_ci (os, w->arch) : NULL;
    if (arch) {
      if (i != want && warn)
        warning ("driver-fallback", "no %s driver for '%s' in '%s': using the one for '%s'",
                 drv, osdirs[want].name, w->srcname, osdirs[i].name);
      *osdir = osdirs[i].name;
      return arch;
    }
  }
  return NULL;
}

/* Run bsdtar to unpack the driver folders of ISO into a new temp dir. */
static int
unpack_iso (struct win *w, const char *iso)
{
  char tmpl[] = "/tmp/v2kvm-virtio-win.XXXXXX";
  pid_t pid;
  int status;

  if (!mkdtemp (tmpl)) {
    set_error_errno ("cannot create a temporary directory");
    return -1;
  }
  w->tmpdir = xstrdup (tmpl);
  debug ("unpacking '%s' into '%s'", iso, tmpl);
  pid = fork ();
  if (pid == -1) {
    set_error_errno ("fork");
    return -1;
  }
  if (pid == 0) {
    execlp ("bsdtar", "bsdtar", "-x", "-f", iso, "-C", tmpl,
            "--exclude", "*.pdb", "--exclude", "*.iso", NULL);
    _exit (127);
  }
  if (waitpid (pid, &status, 0) == -1 || !WIFEXITED (status) ||
      WEXITSTATUS (status) != 0) {
    set_error (EINVAL, "cannot unpack virtio-win ISO '%s' with bsdtar "
               "(exit status %d)", iso,
               WIFEXITED (status) ? WEXITSTATUS (status) : -1);
    return -1;
  }
  w->srcdir = xstrdup (tmpl);
  return 0;
}

int
win_drivers_locate (struct win *w)
{
  const char *path = w->opts->virtio_win;
  struct stat st;
  enum win_drv boot = w->opts->virtio_scsi ? DRV_VIOSCSI : DRV_VIOSTOR;
  const char *osdir = NULL;

  if (!path)
    path = getenv ("VIRTIO_WIN");
  if (!path || !*path)
    path = "/usr/share/virtio-win";
  w->srcname = path;
  if (stat (path, &st) == -1) {
    set_error_errno ("virtio-win '%s'", path);
    error_set_kind (V2K_ERR_GUEST);
    error_set_code ("no-virtio-win");
    return -1;
  }
  if (S_ISDIR (st.st_mode)) {
    CLEANUP_FREE char *iso = NULL;
    CLEANUP_FREE char *top = find_ci (path, "viostor");
    if (!top && (iso = find_ci (path, "virtio-win.iso")) != NULL) {
      if (unpack_iso (w, iso) == -1)
        return -1;
    }
    else
      w->srcdir = xstrdup (path);
  }
  else if (unpack_iso (w, path) == -1)
    return -1;

  CLEANUP_FREE char *dir = driver_dir (w, win_drv_name[boot], &osdir, false);
  if (!dir) {
    set_error (ENOENT, "no %s driver for this Windows (%s %d.%d build %ld, "
               "%s) in '%s': cannot make the boot disk work",
               win_drv_name[boot], w->server ? "server" : "client",
               w->major, w->minor, w->build, w->arch, path);
    error_set_kind (V2K_ERR_GUEST);
    error_set_code ("no-virtio-driver");
    return -1;
  }
  w->osdir = xstrdup (osdir);
  return 0;
}

/* Upload every file of host folder SRC into guest folder DST. */
static int
copy_dir (struct win *w, const char *src, const char *dst)
{
  DIR *d = opendir (src);
  struct dirent *e;
  int r = 0;

  if (!d) {
    set_error_errno ("cannot read '%s'", src);
    return -1;
  }
  if (guestfs_mkdir_p (w->g, dst) == -1) {
    closedir (d);
    return gfs_error (w->g, dst);
  }
  while (r == 0 && (e = readdir (d)) != NULL) {
    CLEANUP_FREE char *from = xasprintf ("%s/%s", src, e->d_name);
    CLEANUP_FREE char *to = xasprintf ("%s/%s", dst, e->d_name);
    struct stat st;
    size_t n = strlen (e->d_name);

    if (stat (from, &st) == -1 || !S_ISREG (st.st_mode) ||
        (n > 4 && strcasecmp (e->d_name + n - 4, ".pdb") == 0))
      continue;
    if (guestfs_upload (w->g, from, to) == -1)
      r = gfs_error (w->g, to);
  }
  closedir (d);
  return r;
}

/* Copy the boot driver's .sys into System32\drivers. */
static int
install_boot_sys (struct win *w, const char *hostdir, const char *drv)
{
  CLEANUP_FREE char *sysname = xasprintf ("%s.sys", drv);
  CLEANUP_FREE char *from = find_ci (hostdir, sysname);
  CLEANUP_FREE char *rel = xasprintf ("System32/drivers/%s", sysname);
  CLEANUP_FREE char *to = win_path (w, rel);

  if (!from) {
    set_error (ENOENT, "'%s' has no %s", hostdir, sysname);
    error_set_kind (V2K_ERR_GUEST);
    return -1;
  }
  if (!to)
    return -1;
  if (guestfs_upload (w->g, from, to) == -1)
    return gfs_error (w->g, to);
  return 0;
}

/* The qemu-guest-agent MSI for the guest's arch, into %SystemRoot%\v2kvm. */
static int
install_qga (struct win *w)
{
  const char *msi = strcmp (w->arch, "x86") == 0 ? "qemu-ga-i386.msi"
                                                 : "qemu-ga-x86_64.msi";
  CLEANUP_FREE char *dir = find_ci (w->srcdir, "guest-agent");
  CLEANUP_FREE char *from = dir ? find_ci (dir, msi) : NULL;
  CLEANUP_FREE char *rel = xasprintf ("%s/%s", WIN_FIRSTBOOT_DIR, msi);
  CLEANUP_FREE char *to = NULL;
  CLEANUP_FREE char *todir = NULL;

  if (!from) {
    debug ("no guest agent '%s' in '%s'", msi, w->srcdir);
    return 0;
  }
  if (!(to = win_path (w, rel)) || !(todir = win_path (w, WIN_FIRSTBOOT_DIR)))
    return -1;
  if (guestfs_mkdir_p (w->g, todir) == -1 ||
      guestfs_upload (w->g, from, to) == -1)
    return gfs_error (w->g, to);
  w->qga_msi = xstrdup (msi);
  return 0;
}

int
win_drivers_install (struct win *w)
{
  CLEANUP_FREE char *virtio = win_path (w, "Drivers/VirtIO");

  if (!virtio)
    return -1;
  for (int i = 0; i < NR_WIN_DRV; ++i) {
    const char *osdir = NULL;
    CLEANUP_FREE char *src = driver_dir (w, win_drv_name[i], &osdir, true);
    CLEANUP_FREE char *dst = xasprintf ("%s/%s", virtio, win_drv_name[i]);

    if (!src)
      continue;
    /* vioscsi goes in only when asked for: a second boot-start storage
     * miniport is useless weight otherwise, but its package is still
     * staged for pnputil. */
    debug ("driver %s from '%s'", win_drv_name[i], src);
    if (copy_dir (w, src, dst) == -1)
      return -1;
    w->have[i] = true;
    if ((i == DRV_VIOSTOR && !w->opts->virtio_scsi) ||
        (i == DRV_VIOSCSI && w->opts->virtio_scsi)) {
      if (install_boot_sys (w, src, win_drv_name[i]) == -1)
        return -1;
    }
  }
  return install_qga (w);
}

/* Remove the unpacked ISO, if any.  Never fails. */
void
win_drivers_cleanup (struct win *w)
{
  if (w->tmpdir) {
    pid_t pid = fork ();
    if (pid == 0) {
      execlp ("rm", "rm", "-rf", "--", w->tmpdir, NULL);
      _exit (127);
    }
    if (pid > 0)
      waitpid (pid, NULL, 0);
  }
  free (w->tmpdir);
  w->tmpdir = NULL;
}
