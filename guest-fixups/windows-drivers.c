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
 * Then binds the boot driver in the registry (through the hive layer,
 * windows-registry.c).  SYSTEM, in EVERY ControlSetNNN (so LastKnownGood
 * boots too):
 *  - Services\viostor (or vioscsi): Type 1, Start 0, ErrorControl 1,
 *    Group "SCSI miniport", ImagePath system32\drivers\<drv>.sys, plus the
 *    Parameters the virtio-win INF adds (BusType, PnpInterface\5);
 *  - Windows < 8: CriticalDeviceDatabase entries binding the PCI IDs;
 *  - VMware Tools and Xen PV services: Start=4, and their names removed
 *    from every class UpperFilters/LowerFilters (a leftover xenfilt or
 *    vmstorfl under the disk/SCSI/hdc class is a classic 0x7B);
 *  - Control\CrashControl\AutoReboot=0: a stop error stays on screen
 *    instead of becoming a reboot loop.
 * SYSTEM root, Windows 8 and later: a v2kvm-owned DriverDatabase binding
 * of the PCI IDs to the boot service (windows-driverdb.c,
 * docs/windows.md); the first boot script deletes it after pnputil has
 * staged the real package.  SOFTWARE: DevicePath +=
 * %SystemRoot%\Drivers\VirtIO.
 *
 * Not done: checking driver signatures or INF OS decorations; the folder
 * name is trusted, as the virtio-win packaging guarantees it.
 */
#include <config.h>

#include <ctype.h>
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
wanted_osdir (const struct fx *fx)
{
  const struct fx_windows *w = fx->win;
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
driver_dir (struct fx *fx, const char *drv, const char **osdir, bool warn)
{
  struct fx_windows *w = fx->win;
  int want = wanted_osdir (fx);
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
unpack_iso (struct fx *fx, const char *iso)
{
  struct fx_windows *w = fx->win;
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
win_drivers_locate (struct fx *fx)
{
  struct fx_windows *w = fx->win;
  const char *path = fx->opts->virtio_win;
  struct stat st;
  enum win_drv boot = fx->opts->virtio_scsi ? DRV_VIOSCSI : DRV_VIOSTOR;
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
      if (unpack_iso (fx, iso) == -1)
        return -1;
    }
    else
      w->srcdir = xstrdup (path);
  }
  else if (unpack_iso (fx, path) == -1)
    return -1;

  CLEANUP_FREE char *dir = driver_dir (fx, win_drv_name[boot], &osdir, false);
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
copy_dir (struct fx *fx, const char *src, const char *dst)
{
  DIR *d = opendir (src);
  struct dirent *e;
  int r = 0;

  if (!d) {
    set_error_errno ("cannot read '%s'", src);
    return -1;
  }
  if (guestfs_mkdir_p (fx->g, dst) == -1) {
    closedir (d);
    return gfs_error (fx->g, dst);
  }
  while (r == 0 && (e = readdir (d)) != NULL) {
    CLEANUP_FREE char *from = xasprintf ("%s/%s", src, e->d_name);
    CLEANUP_FREE char *to = xasprintf ("%s/%s", dst, e->d_name);
    struct stat st;
    size_t n = strlen (e->d_name);

    if (stat (from, &st) == -1 || !S_ISREG (st.st_mode) ||
        (n > 4 && strcasecmp (e->d_name + n - 4, ".pdb") == 0))
      continue;
    if (guestfs_upload (fx->g, from, to) == -1)
      r = gfs_error (fx->g, to);
  }
  closedir (d);
  return r;
}

/* Copy the boot driver's .sys into System32\drivers. */
static int
install_boot_sys (struct fx *fx, const char *hostdir, const char *drv)
{
  CLEANUP_FREE char *sysname = xasprintf ("%s.sys", drv);
  CLEANUP_FREE char *from = find_ci (hostdir, sysname);
  CLEANUP_FREE char *rel = xasprintf ("System32/drivers/%s", sysname);
  CLEANUP_FREE char *to = win_path (fx, rel);

  if (!from) {
    set_error (ENOENT, "'%s' has no %s", hostdir, sysname);
    error_set_kind (V2K_ERR_GUEST);
    return -1;
  }
  if (!to)
    return -1;
  if (guestfs_upload (fx->g, from, to) == -1)
    return gfs_error (fx->g, to);
  return 0;
}

/* The qemu-guest-agent MSI for the guest's arch, into %SystemRoot%\v2kvm. */
static int
install_qga (struct fx *fx)
{
  struct fx_windows *w = fx->win;
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
  if (!(to = win_path (fx, rel)) ||
      !(todir = win_path (fx, WIN_FIRSTBOOT_DIR)))
    return -1;
  if (guestfs_mkdir_p (fx->g, todir) == -1 ||
      guestfs_upload (fx->g, from, to) == -1)
    return gfs_error (fx->g, to);
  w->qga_msi = xstrdup (msi);
  return 0;
}

int
win_drivers_install (struct fx *fx)
{
  struct fx_windows *w = fx->win;
  CLEANUP_FREE char *virtio = win_path (fx, "Drivers/VirtIO");

  if (!virtio)
    return -1;
  for (int i = 0; i < NR_WIN_DRV; ++i) {
    const char *osdir = NULL;
    CLEANUP_FREE char *src = driver_dir (fx, win_drv_name[i], &osdir, true);
    CLEANUP_FREE char *dst = xasprintf ("%s/%s", virtio, win_drv_name[i]);

    if (!src)
      continue;
    /* vioscsi goes in only when asked for: a second boot-start storage
     * miniport is useless weight otherwise, but its package is still
     * staged for pnputil. */
    debug ("driver %s from '%s'", win_drv_name[i], src);
    if (copy_dir (fx, src, dst) == -1)
      return -1;
    w->have[i] = true;
    if ((i == DRV_VIOSTOR && !fx->opts->virtio_scsi) ||
        (i == DRV_VIOSCSI && fx->opts->virtio_scsi)) {
      if (install_boot_sys (fx, src, win_drv_name[i]) == -1)
        return -1;
    }
  }
  return install_qga (fx);
}

/* Remove the unpacked ISO, if any.  Never fails. */
void
win_drivers_cleanup (struct fx *fx)
{
  struct fx_windows *w = fx->win;

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

/* ---- the binding in SYSTEM, every ControlSetNNN ---- */

/* Services disabled wherever found (VMware Tools); plus every "xen*". */
static const char *const vmware_services[] = {
  "vmci", "vmhgfs", "vm3dmp", "vm3dmp_loader", "vm3dmp-debug", "vm3dmp-stats",
  "vmmouse", "vmrawdsk", "vmusbmouse", "vsock", "vsockDrv", "vsockSys",
  "VMTools", "vmvss", "vmmemctl", "vmstorfl", "VGAuthService", "vm3dservice",
  "vmwefifw", "VMMemCtl",
};

/* The PCI IDs each boot driver binds (virtio 1.x spec 4.1.2: legacy and
 * modern device IDs; QEMU's subsystem IDs). */
static const char *const viostor_ids[] = {
  "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00",
  "PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01", NULL
};
static const char *const vioscsi_ids[] = {
  "PCI\\VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00",
  "PCI\\VEN_1AF4&DEV_1048&SUBSYS_11001AF4&REV_01", NULL
};
#define SCSI_CLASS_GUID "{4D36E97B-E325-11CE-BFC1-08002BE10318}"

/* Is NAME one of the services this fixup disables? */
static bool
is_foreign_service (const char *name)
{
  if (strncasecmp (name, "xen", 3) == 0)
    return true;
  for (size_t i = 0; i < sizeof vmware_services / sizeof *vmware_services; ++i)
    if (strcasecmp (name, vmware_services[i]) == 0)
      return true;
  return false;
}

static void
note_disabled (struct fx *fx, const char *name)
{
  struct fx_windows *w = fx->win;

  for (size_t i = 0; i < w->disabled.len; ++i)
    if (strcasecmp (w->disabled.ptr[i], name) == 0)
      return;
  string_vector_append (&w->disabled, xstrdup (name));
}

/* Start=4 for every VMware/Xen service under SERVICES. */
static int
disable_services (struct fx *fx, int64_t services)
{
  struct guestfs_hivex_node_list *kids;
  int r = 0;

  if (!(kids = guestfs_hivex_node_children (fx->g, services)))
    return gfs_error (fx->g, "Services");
  for (size_t i = 0; r == 0 && i < kids->len; ++i) {
    int64_t n = kids->val[i].hivex_node_h;
    CLEANUP_FREE char *name = guestfs_hivex_node_name (fx->g, n);
    uint32_t start;
    int have;

    if (!name) {
      r = gfs_error (fx->g, "Services");
      break;
    }
    if (!is_foreign_service (name))
      continue;
    if ((have = win_reg_get_dword (fx, n, "Start", &start)) == -1)
      r = -1;
    else if (have && start != 4) {
      debug ("disabling service %s (Start was %u)", name, start);
      r = win_reg_set_dword (fx, n, "Start", 4);
    }
    if (have)
      note_disabled (fx, name);
  }
  guestfs_free_hivex_node_list (kids);
  return r;
}

static bool
is_disabled (const struct fx *fx, const char *name)
{
  const struct fx_windows *w = fx->win;

  for (size_t i = 0; i < w->disabled.len; ++i)
    if (strcasecmp (w->disabled.ptr[i], name) == 0)
      return true;
  return false;
}

/* Drop disabled services from one filter value of a class key. */
static int
clean_filter (struct fx *fx, int64_t cls, const char *key)
{
  string_vector v = empty_vector, keep = empty_vector;
  int r = win_reg_get_strs (fx, cls, key, &v);

  if (r == 1) {
    for (size_t i = 0; i < v.len; ++i)
      if (!is_disabled (fx, v.ptr[i]))
        string_vector_append (&keep, v.ptr[i]);
    r = keep.len == v.len ? 0 : win_reg_set_multi (fx, cls, key, &keep);
  }
  string_vector_reset (&keep);
  string_vector_free_all (&v);
  return r;
}

static int
clean_class_filters (struct fx *fx, int64_t control)
{
  int64_t classes = win_reg_node (fx, control, "Class", false);
  struct guestfs_hivex_node_list *kids;
  int r = 0;

  if (classes <= 0)
    return classes;
  if (!(kids = guestfs_hivex_node_children (fx->g, classes)))
    return gfs_error (fx->g, "Control\\Class");
  for (size_t i = 0; r == 0 && i < kids->len; ++i) {
    int64_t c = kids->val[i].hivex_node_h;
    if (clean_filter (fx, c, "UpperFilters") == -1 ||
        clean_filter (fx, c, "LowerFilters") == -1)
      r = -1;
  }
  guestfs_free_hivex_node_list (kids);
  return r;
}

/* Services\<drv>: a boot-start SCSI miniport. */
static int
add_boot_service (struct fx *fx, int64_t services, const char *drv)
{
  int64_t s = win_reg_node (fx, services, drv, true);
  int64_t pnp;
  CLEANUP_FREE char *image = xasprintf ("system32\\drivers\\%s.sys", drv);

  if (s <= 0)
    return -1;
  if (win_reg_set_dword (fx, s, "Type", 1) == -1 ||
      win_reg_set_dword (fx, s, "Start", 0) == -1 ||
      win_reg_set_dword (fx, s, "ErrorControl", 1) == -1 ||
      win_reg_set_str (fx, s, "Group", REG_SZ, "SCSI miniport") == -1 ||
      win_reg_set_str (fx, s, "ImagePath", REG_EXPAND_SZ, image) == -1)
    return -1;
  pnp = win_reg_node (fx, s, "Parameters\\PnpInterface", true);
  if (pnp <= 0 || win_reg_set_dword (fx, pnp, "5", 1) == -1)
    return -1;
  return win_reg_set_dword (fx, win_reg_node (fx, s, "Parameters", false),
                            "BusType", 1);
}

/* CriticalDeviceDatabase\pci#ven_..: Windows before 8 binds from here. */
static int
add_cddb (struct fx *fx, int64_t control, const char *drv,
          const char *const *ids)
{
  int64_t cddb = win_reg_node (fx, control, "CriticalDeviceDatabase", true);

  if (cddb <= 0)
    return -1;
  for (size_t i = 0; ids[i]; ++i) {
    /* Full ID, without REV, and VEN&DEV alone (a compatible ID). */
    CLEANUP_FREE char *full = xstrdup (ids[i]);
    char *cut[3] = { NULL, strstr (full, "&REV_"), strstr (full, "&SUBSYS_") };
    for (int k = 0; k < 3; ++k) {
      if (cut[k])
        *cut[k] = 0;
      CLEANUP_FREE char *name = xstrdup (full);
      for (char *p = name; *p; ++p)
        *p = *p == '\\' ? '#' : tolower ((unsigned char) *p);
      int64_t n = win_reg_node (fx, cddb, name, true);
      if (n <= 0 ||
          win_reg_set_str (fx, n, "Service", REG_SZ, drv) == -1 ||
          win_reg_set_str (fx, n, "ClassGUID", REG_SZ, SCSI_CLASS_GUID) == -1)
        return -1;
    }
  }
  return 0;
}

static int
fix_control_set (struct fx *fx, int64_t cs, const char *drv,
                 const char *const *ids, bool pass2)
{
  struct fx_windows *w = fx->win;
  int64_t services = win_reg_node (fx, cs, "Services", false);
  int64_t control = win_reg_node (fx, cs, "Control", false);
  int64_t crash;

  if (services <= 0 || control <= 0) {
    set_error (EINVAL, "SYSTEM hive: control set without Services/Control");
    error_set_kind (V2K_ERR_GUEST);
    return -1;
  }
  if (pass2)
    return clean_class_filters (fx, control);
  if (add_boot_service (fx, services, drv) == -1 ||
      disable_services (fx, services) == -1)
    return -1;
  if (w->use_cddb)
    if (add_cddb (fx, control, drv, ids) == -1)
      return -1;
  crash = win_reg_node (fx, control, "CrashControl", true);
  return crash <= 0 ? -1 : win_reg_set_dword (fx, crash, "AutoReboot", 0);
}

int
win_drivers_bind (struct fx *fx)
{
  struct fx_windows *w = fx->win;
  const char *drv = fx->opts->virtio_scsi ? "vioscsi" : "viostor";
  const char *const *ids = fx->opts->virtio_scsi ? vioscsi_ids : viostor_ids;
  struct guestfs_hivex_node_list *kids = NULL;
  int64_t root;
  int r = 0;

  if (win_reg_open (fx, "System32/config/SYSTEM", true) == -1)
    return -1;
  if ((root = guestfs_hivex_root (fx->g)) <= 0 ||
      !(kids = guestfs_hivex_node_children (fx->g, root)))
    r = gfs_error (fx->g, "SYSTEM");
  else {
    /* Windows 8+ binds boot devices from DriverDatabase; older ones (and
     * a hive without DriverDatabase) from the CriticalDeviceDatabase. */
    int64_t db = win_reg_node (fx, root, "DriverDatabase", false);
    bool win8 = w->major > 6 || (w->major == 6 && w->minor >= 2);
    if (db == -1)
      r = -1;
    w->use_driverdb = win8 && db > 0;
    w->use_cddb = !w->use_driverdb;
  }
  /* Pass 1 disables services in every control set; pass 2 removes all
   * of them from the class filters of every control set. */
  for (int pass = 0; r == 0 && pass < 2; ++pass)
    for (size_t i = 0; r == 0 && i < kids->len; ++i) {
      CLEANUP_FREE char *name =
        guestfs_hivex_node_name (fx->g, kids->val[i].hivex_node_h);
      if (!name)
        r = gfs_error (fx->g, "SYSTEM");
      else if (strncasecmp (name, "ControlSet", 10) == 0 &&
               isdigit ((unsigned char) name[10]))
        r = fix_control_set (fx, kids->val[i].hivex_node_h, drv, ids, pass);
    }
  if (r == 0 && w->use_driverdb)
    r = win_driverdb_add (fx, root, drv, ids);
  if (kids)
    guestfs_free_hivex_node_list (kids);
  if (win_reg_close (fx, r == 0) == -1)
    return -1;
  return r;
}

/* ---- SOFTWARE ---- */

#define VIRTIO_DEVICEPATH "%SystemRoot%\\Drivers\\VirtIO"

int
win_drivers_device_path (struct fx *fx, int64_t root)
{
  int64_t cv = win_reg_node (fx, root, "Microsoft\\Windows\\CurrentVersion",
                             true);
  CLEANUP_FREE char *old = NULL;
  CLEANUP_FREE char *val = NULL;

  if (cv <= 0)
    return -1;
  old = win_reg_get_str (fx, cv, "DevicePath");
  if (old && strcasestr (old, VIRTIO_DEVICEPATH))
    return 0;
  val = old && old[0] ? xasprintf ("%s;%s", old, VIRTIO_DEVICEPATH)
                      : xstrdup ("%SystemRoot%\\inf;" VIRTIO_DEVICEPATH);
  return win_reg_set_str (fx, cv, "DevicePath", REG_EXPAND_SZ, val);
}
