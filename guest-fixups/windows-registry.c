/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: registry edits of the Windows fixup, through libguestfs'
 * hivex_* calls (the hive is edited in place inside the appliance and
 * committed once; hivex(3) is the format reference).
 *
 * SYSTEM, in EVERY ControlSetNNN (so LastKnownGood boots too):
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
 * of the PCI IDs to the boot service (see docs/windows.md); the first
 * boot script deletes it after pnputil has staged the real package.
 * SOFTWARE: DevicePath += %SystemRoot%\Drivers\VirtIO; the Group Policy
 * startup-script registration (windows-firstboot.c builds the values).
 *
 * Read-only facts collected first: CurrentBuildNumber, static IPv4
 * interfaces, RealTimeIsUniversal.
 *
 * Not done: deleting values (libguestfs has no hivex value delete; an
 * emptied filter list is written as an empty REG_MULTI_SZ, which Windows
 * reads as "no filters").
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "byteorder.h"
#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "windows.h"
#include "xalloc.h"

#define REG_SZ 1
#define REG_EXPAND_SZ 2
#define REG_DWORD 4
#define REG_MULTI_SZ 7

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

int
win_reg_open (struct win *w, const char *rel, bool write)
{
  CLEANUP_FREE char *path = win_path (w, rel);

  if (!path)
    return -1;
  if (guestfs_hivex_open (w->g, path, GUESTFS_HIVEX_OPEN_WRITE, write,
                          -1) == -1)
    return gfs_error (w->g, path);
  return 0;
}

int
win_reg_close (struct win *w, bool commit)
{
  if (commit && guestfs_hivex_commit (w->g, NULL) == -1) {
    gfs_error (w->g, "hivex_commit");
    guestfs_hivex_close (w->g);
    return -1;
  }
  if (guestfs_hivex_close (w->g) == -1)
    return gfs_error (w->g, "hivex_close");
  return 0;
}

int64_t
win_reg_node (struct win *w, int64_t node, const char *path, bool create)
{
  CLEANUP_FREE char *copy = xstrdup (path);
  char *save = NULL;

  for (char *p = strtok_r (copy, "\\", &save); p && node > 0;
       p = strtok_r (NULL, "\\", &save)) {
    int64_t child = guestfs_hivex_node_get_child (w->g, node, p);
    if (child == -1)
      return gfs_error (w->g, p);
    if (child == 0 && create) {
      child = guestfs_hivex_node_add_child (w->g, node, p);
      if (child <= 0)
        return gfs_error (w->g, p);
    }
    node = child;
  }
  return node;
}

int
win_reg_set (struct win *w, int64_t node, const char *key, int type,
             const void *data, size_t len)
{
  if (guestfs_hivex_node_set_value (w->g, node, key, type, data, len) == -1)
    return gfs_error (w->g, key);
  return 0;
}

int
win_reg_set_dword (struct win *w, int64_t node, const char *key, uint32_t v)
{
  unsigned char le[4] = { v, v >> 8, v >> 16, v >> 24 };
  return win_reg_set (w, node, key, REG_DWORD, le, 4);
}

/* ASCII (or UTF-8 treated bytewise) -> UTF-16LE with terminating NUL. */
static char *
utf16le (const char *s, size_t *len)
{
  size_t n = strlen (s);
  char *out = xmalloc (2 * n + 2);

  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = s[i];
    out[2 * i + 1] = 0;
  }
  out[2 * n] = out[2 * n + 1] = 0;
  *len = 2 * n + 2;
  return out;
}

int
win_reg_set_str (struct win *w, int64_t node, const char *key, int type,
                 const char *s)
{
  size_t len;
  CLEANUP_FREE char *data = utf16le (s, &len);
  return win_reg_set (w, node, key, type, data, len);
}

/* Raw value data, or NULL with *LEN = 0 when absent; -1 into *ERR. */
static char *
get_raw (struct win *w, int64_t node, const char *key, int64_t *type,
         size_t *len, int *err)
{
  int64_t v = guestfs_hivex_node_get_value (w->g, node, key);
  char *data;

  *len = 0;
  *err = 0;
  if (v == -1) {
    *err = gfs_error (w->g, key);
    return NULL;
  }
  if (v == 0)
    return NULL;
  if ((*type = guestfs_hivex_value_type (w->g, v)) == -1 ||
      !(data = guestfs_hivex_value_value (w->g, v, len))) {
    *err = gfs_error (w->g, key);
    return NULL;
  }
  return data;
}

int
win_reg_get_dword (struct win *w, int64_t node, const char *key,
                   uint32_t *out)
{
  int64_t type = 0;
  size_t len;
  int err;
  CLEANUP_FREE unsigned char *d =
    (unsigned char *) get_raw (w, node, key, &type, &len, &err);

  if (err)
    return -1;
  if (!d || type != REG_DWORD || len != 4)
    return 0;
  *out = get_le32 (d);
  return 1;
}

/* Split UTF-16LE string list data into ASCII strings (non-ASCII code units
 * become '?': service and driver names are ASCII, and a list is only
 * rewritten when a name is removed); one string for REG_SZ/EXPAND_SZ.
 * The end of the data ends the last string if its NUL is missing.
 * Appends to OUT. */
static void
utf16_split (const char *d, size_t len, string_vector *out)
{
  size_t start = 0;

  for (size_t i = 0; i <= len; i += 2) {
    bool end = i + 1 >= len;
    if (end || (d[i] == 0 && d[i + 1] == 0)) {
      if (i == start)
        break;                  /* empty string ends a multi-sz */
      char *s = xmalloc ((i - start) / 2 + 1);
      size_t k = 0;
      for (size_t j = start; j < i && j + 1 < len; j += 2)
        s[k++] = d[j + 1] == 0 && (unsigned char) d[j] < 0x80 ? d[j] : '?';
      s[k] = 0;
      string_vector_append (out, s);
      if (end)
        break;
      start = i + 2;
    }
  }
}

int
win_reg_get_strs (struct win *w, int64_t node, const char *key,
                  string_vector *out)
{
  int64_t type = 0;
  size_t len;
  int err;
  CLEANUP_FREE char *d = get_raw (w, node, key, &type, &len, &err);

  if (err)
    return -1;
  if (!d || (type != REG_SZ && type != REG_EXPAND_SZ && type != REG_MULTI_SZ))
    return 0;
  utf16_split (d, len, out);
  return 1;
}

char *
win_reg_get_str (struct win *w, int64_t node, const char *key)
{
  string_vector v = empty_vector;
  char *ret;

  if (win_reg_get_strs (w, node, key, &v) <= 0 || v.len == 0) {
    string_vector_free_all (&v);
    return NULL;
  }
  ret = v.ptr[0];
  v.ptr[0] = NULL;
  string_vector_free_all (&v);
  return ret;
}

int
win_reg_set_multi (struct win *w, int64_t node, const char *key,
                   const string_vector *v)
{
  size_t total = 2, off = 0;
  CLEANUP_FREE char *buf = NULL;

  for (size_t i = 0; i < v->len; ++i)
    total += 2 * strlen (v->ptr[i]) + 2;
  buf = xzalloc (total);
  for (size_t i = 0; i < v->len; ++i) {
    for (const char *p = v->ptr[i]; *p; ++p, off += 2)
      buf[off] = *p;
    off += 2;
  }
  return win_reg_set (w, node, key, REG_MULTI_SZ, buf, total);
}

/* ---- read-only facts ---- */

/* "a,b c" or a multi-sz: the first non-empty item that is not 0.0.0.0. */
static char *
first_addr (string_vector *v)
{
  for (size_t i = 0; i < v->len; ++i)
    if (v->ptr[i][0] && strcmp (v->ptr[i], "0.0.0.0") != 0)
      return xstrdup (v->ptr[i]);
  return NULL;
}

/* Static IPv4 settings of one Tcpip interface; 0 if it is DHCP/empty. */
static int
read_interface (struct win *w, int64_t node, const char *guid)
{
  uint32_t dhcp = 1;
  string_vector ip = empty_vector, mask = empty_vector, gw = empty_vector;
  struct win_static_ip s = { 0 };
  int r;

  if ((r = win_reg_get_dword (w, node, "EnableDHCP", &dhcp)) == -1)
    return -1;
  if (dhcp != 0)
    return 0;
  if (win_reg_get_strs (w, node, "IPAddress", &ip) == -1 ||
      win_reg_get_strs (w, node, "SubnetMask", &mask) == -1 ||
      win_reg_get_strs (w, node, "DefaultGateway", &gw) == -1)
    r = -1;
  else if ((s.address = first_addr (&ip)) != NULL) {
    s.guid = xstrdup (guid);
    s.mask = first_addr (&mask);
    s.gateway = first_addr (&gw);
    s.dns = win_reg_get_str (w, node, "NameServer");
    if (s.dns && !s.dns[0]) {
      free (s.dns);
      s.dns = NULL;
    }
    win_static_ip_list_append (&w->ips, s);
    r = 0;
  }
  string_vector_free_all (&ip);
  string_vector_free_all (&mask);
  string_vector_free_all (&gw);
  return r;
}

/* The current control set's name, "ControlSet001" if Select is absent. */
static char *
current_cs (struct win *w, int64_t root)
{
  uint32_t cur = 1;
  int64_t sel = win_reg_node (w, root, "Select", false);

  if (sel > 0)
    win_reg_get_dword (w, sel, "Current", &cur);
  return xasprintf ("ControlSet%03u", cur % 1000);
}

static int
read_system (struct win *w)
{
  int64_t root = guestfs_hivex_root (w->g);
  CLEANUP_FREE char *cs = NULL;
  CLEANUP_FREE char *ifpath = NULL;
  CLEANUP_FREE char *tzpath = NULL;
  int64_t ifs, tz;
  uint32_t utc = 0;
  struct guestfs_hivex_node_list *kids;

  if (root <= 0)
    return gfs_error (w->g, "hivex_root");
  cs = current_cs (w, root);
  tzpath = xasprintf ("%s\\Control\\TimeZoneInformation", cs);
  if ((tz = win_reg_node (w, root, tzpath, false)) == -1)
    return -1;
  if (tz > 0 && win_reg_get_dword (w, tz, "RealTimeIsUniversal", &utc) == -1)
    return -1;
  w->rtc_utc = utc == 1;
  ifpath = xasprintf ("%s\\Services\\Tcpip\\Parameters\\Interfaces", cs);
  if ((ifs = win_reg_node (w, root, ifpath, false)) <= 0)
    return ifs;
  if (!(kids = guestfs_hivex_node_children (w->g, ifs)))
    return gfs_error (w->g, ifpath);
  for (size_t i = 0; i < kids->len; ++i) {
    CLEANUP_FREE char *name = guestfs_hivex_node_name (w->g,
                                                       kids->val[i].hivex_node_h);
    if (!name || read_interface (w, kids->val[i].hivex_node_h, name) == -1) {
      guestfs_free_hivex_node_list (kids);
      return name ? -1 : gfs_error (w->g, ifpath);
    }
  }
  guestfs_free_hivex_node_list (kids);
  return 0;
}

int
win_registry_read (struct win *w)
{
  int64_t cv;
  CLEANUP_FREE char *build = NULL;
  int r;

  if (win_reg_open (w, "System32/config/SOFTWARE", false) == -1)
    return -1;
  cv = win_reg_node (w, guestfs_hivex_root (w->g),
                     "Microsoft\\Windows NT\\CurrentVersion", false);
  if (cv > 0 && (build = win_reg_get_str (w, cv, "CurrentBuildNumber")))
    w->build = strtol (build, NULL, 10);
  if (win_reg_close (w, false) == -1 || cv == -1)
    return -1;
  if (win_reg_open (w, "System32/config/SYSTEM", false) == -1)
    return -1;
  r = read_system (w);
  if (win_reg_close (w, false) == -1)
    return -1;
  return r;
}

/* ---- SYSTEM edits ---- */

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
note_disabled (struct win *w, const char *name)
{
  for (size_t i = 0; i < w->disabled.len; ++i)
    if (strcasecmp (w->disabled.ptr[i], name) == 0)
      return;
  string_vector_append (&w->disabled, xstrdup (name));
}

/* Start=4 for every VMware/Xen service under SERVICES. */
static int
disable_services (struct win *w, int64_t services)
{
  struct guestfs_hivex_node_list *kids;
  int r = 0;

  if (!(kids = guestfs_hivex_node_children (w->g, services)))
    return gfs_error (w->g, "Services");
  for (size_t i = 0; r == 0 && i < kids->len; ++i) {
    int64_t n = kids->val[i].hivex_node_h;
    CLEANUP_FREE char *name = guestfs_hivex_node_name (w->g, n);
    uint32_t start;
    int have;

    if (!name) {
      r = gfs_error (w->g, "Services");
      break;
    }
    if (!is_foreign_service (name))
      continue;
    if ((have = win_reg_get_dword (w, n, "Start", &start)) == -1)
      r = -1;
    else if (have && start != 4) {
      debug ("disabling service %s (Start was %u)", name, start);
      r = win_reg_set_dword (w, n, "Start", 4);
    }
    if (have)
      note_disabled (w, name);
  }
  guestfs_free_hivex_node_list (kids);
  return r;
}

static bool
is_disabled (const struct win *w, const char *name)
{
  for (size_t i = 0; i < w->disabled.len; ++i)
    if (strcasecmp (w->disabled.ptr[i], name) == 0)
      return true;
  return false;
}

/* Drop disabled services from one filter value of a class key. */
static int
clean_filter (struct win *w, int64_t cls, const char *key)
{
  string_vector v = empty_vector, keep = empty_vector;
  int r = win_reg_get_strs (w, cls, key, &v);

  if (r == 1) {
    for (size_t i = 0; i < v.len; ++i)
      if (!is_disabled (w, v.ptr[i]))
        string_vector_append (&keep, v.ptr[i]);
    r = keep.len == v.len ? 0 : win_reg_set_multi (w, cls, key, &keep);
  }
  string_vector_reset (&keep);
  string_vector_free_all (&v);
  return r;
}

static int
clean_class_filters (struct win *w, int64_t control)
{
  int64_t classes = win_reg_node (w, control, "Class", false);
  struct guestfs_hivex_node_list *kids;
  int r = 0;

  if (classes <= 0)
    return classes;
  if (!(kids = guestfs_hivex_node_children (w->g, classes)))
    return gfs_error (w->g, "Control\\Class");
  for (size_t i = 0; r == 0 && i < kids->len; ++i) {
    int64_t c = kids->val[i].hivex_node_h;
    if (clean_filter (w, c, "UpperFilters") == -1 ||
        clean_filter (w, c, "LowerFilters") == -1)
      r = -1;
  }
  guestfs_free_hivex_node_list (kids);
  return r;
}

/* Services\<drv>: a boot-start SCSI miniport. */
static int
add_boot_service (struct win *w, int64_t services, const char *drv)
{
  int64_t s = win_reg_node (w, services, drv, true);
  int64_t pnp;
  CLEANUP_FREE char *image = xasprintf ("system32\\drivers\\%s.sys", drv);

  if (s <= 0)
    return -1;
  if (win_reg_set_dword (w, s, "Type", 1) == -1 ||
      win_reg_set_dword (w, s, "Start", 0) == -1 ||
      win_reg_set_dword (w, s, "ErrorControl", 1) == -1 ||
      win_reg_set_str (w, s, "Group", REG_SZ, "SCSI miniport") == -1 ||
      win_reg_set_str (w, s, "ImagePath", REG_EXPAND_SZ, image) == -1)
    return -1;
  pnp = win_reg_node (w, s, "Parameters\\PnpInterface", true);
  if (pnp <= 0 || win_reg_set_dword (w, pnp, "5", 1) == -1)
    return -1;
  return win_reg_set_dword (w, win_reg_node (w, s, "Parameters", false),
                            "BusType", 1);
}

/* CriticalDeviceDatabase\pci#ven_..: Windows before 8 binds from here. */
static int
add_cddb (struct win *w, int64_t control, const char *drv,
          const char *const *ids)
{
  int64_t cddb = win_reg_node (w, control, "CriticalDeviceDatabase", true);

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
      int64_t n = win_reg_node (w, cddb, name, true);
      if (n <= 0 ||
          win_reg_set_str (w, n, "Service", REG_SZ, drv) == -1 ||
          win_reg_set_str (w, n, "ClassGUID", REG_SZ, SCSI_CLASS_GUID) == -1)
        return -1;
    }
  }
  return 0;
}

static int
fix_control_set (struct win *w, int64_t cs, const char *drv,
                 const char *const *ids, bool pass2)
{
  int64_t services = win_reg_node (w, cs, "Services", false);
  int64_t control = win_reg_node (w, cs, "Control", false);
  int64_t crash;

  if (services <= 0 || control <= 0) {
    set_error (EINVAL, "SYSTEM hive: control set without Services/Control");
    error_set_kind (V2K_ERR_GUEST);
    return -1;
  }
  if (pass2)
    return clean_class_filters (w, control);
  if (add_boot_service (w, services, drv) == -1 ||
      disable_services (w, services) == -1)
    return -1;
  if (w->use_cddb)
    if (add_cddb (w, control, drv, ids) == -1)
      return -1;
  crash = win_reg_node (w, control, "CrashControl", true);
  return crash <= 0 ? -1 : win_reg_set_dword (w, crash, "AutoReboot", 0);
}

int
win_registry_system (struct win *w)
{
  const char *drv = w->opts->virtio_scsi ? "vioscsi" : "viostor";
  const char *const *ids = w->opts->virtio_scsi ? vioscsi_ids : viostor_ids;
  struct guestfs_hivex_node_list *kids = NULL;
  int64_t root;
  int r = 0;

  if (win_reg_open (w, "System32/config/SYSTEM", true) == -1)
    return -1;
  if ((root = guestfs_hivex_root (w->g)) <= 0 ||
      !(kids = guestfs_hivex_node_children (w->g, root)))
    r = gfs_error (w->g, "SYSTEM");
  else {
    /* Windows 8+ binds boot devices from DriverDatabase; older ones (and
     * a hive without DriverDatabase) from the CriticalDeviceDatabase. */
    int64_t db = win_reg_node (w, root, "DriverDatabase", false);
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
        guestfs_hivex_node_name (w->g, kids->val[i].hivex_node_h);
      if (!name)
        r = gfs_error (w->g, "SYSTEM");
      else if (strncasecmp (name, "ControlSet", 10) == 0 &&
               isdigit ((unsigned char) name[10]))
        r = fix_control_set (w, kids->val[i].hivex_node_h, drv, ids, pass);
    }
  if (r == 0 && w->use_driverdb)
    r = win_driverdb_add (w, root, drv, ids);
  if (kids)
    guestfs_free_hivex_node_list (kids);
  if (win_reg_close (w, r == 0) == -1)
    return -1;
  return r;
}

/* ---- SOFTWARE edits ---- */

#define VIRTIO_DEVICEPATH "%SystemRoot%\\Drivers\\VirtIO"

static int
add_device_path (struct win *w, int64_t root)
{
  int64_t cv = win_reg_node (w, root, "Microsoft\\Windows\\CurrentVersion",
                             true);
  CLEANUP_FREE char *old = NULL;
  CLEANUP_FREE char *val = NULL;

  if (cv <= 0)
    return -1;
  old = win_reg_get_str (w, cv, "DevicePath");
  if (old && strcasestr (old, VIRTIO_DEVICEPATH))
    return 0;
  val = old && old[0] ? xasprintf ("%s;%s", old, VIRTIO_DEVICEPATH)
                      : xstrdup ("%SystemRoot%\\inf;" VIRTIO_DEVICEPATH);
  return win_reg_set_str (w, cv, "DevicePath", REG_EXPAND_SZ, val);
}

int
win_registry_software (struct win *w)
{
  int64_t root;
  int r;

  if (win_reg_open (w, "System32/config/SOFTWARE", true) == -1)
    return -1;
  root = guestfs_hivex_root (w->g);
  r = root <= 0 ? gfs_error (w->g, "SOFTWARE") : add_device_path (w, root);
  if (r == 0)
    r = win_firstboot_register (w, root);
  if (win_reg_close (w, r == 0) == -1)
    return -1;
  return r;
}
