/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: Windows 8+ boot-driver binding in SYSTEM\DriverDatabase.
 *
 * Windows 8 dropped the CriticalDeviceDatabase: at boot the PnP manager
 * finds a driver for a new device through SYSTEM\DriverDatabase
 * (DeviceIds\<hardware id> names an INF; DriverPackages\<package> maps the
 * INF's descriptor to a configuration whose Service is started).  This
 * writes the smallest such record, with the layout virt-v2v 2.2 writes
 * for its "guestor.inf" (measured on the phony guest; the Version value
 * is 0x00ff0009 flags, the SCSIAdapter class GUID, and zero date and
 * version), under names that say who wrote them:
 *   DriverInfFiles\v2kvm-<drv>.inf   @=multi_sz package, Active, Configurations
 *   DeviceIds\PCI\<id>               "v2kvm-<drv>.inf"=01 ff 00 00
 *   DriverPackages\v2kvm-<drv>.inf_tmp  Version, Configurations\v2kvm_conf
 *                                   (Service=<drv>), Descriptors\PCI\<id>
 * The record points at no DriverStore folder, so it is a transient
 * binding only: the first-boot script stages the real package with
 * pnputil and then deletes exactly these keys (WIN_DRIVERDB_* below are
 * shared with windows-firstboot.c), leaving no half-registered package
 * behind for later pnputil runs or in-place upgrades (docs/windows.md).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "windows.h"
#include "xalloc.h"

/* Multi-sz with one string. */
static int
set_multi1 (struct fx *fx, int64_t node, const char *key, const char *s)
{
  string_vector v = empty_vector;
  int r;

  string_vector_append (&v, (char *) s);
  r = win_reg_set_multi (fx, node, key, &v);
  string_vector_reset (&v);
  return r;
}

/* DriverInfFiles\v2kvm-<drv>.inf */
static int
add_inf (struct fx *fx, int64_t db, const char *inf, const char *pkg)
{
  CLEANUP_FREE char *path = xasprintf ("DriverInfFiles\\%s", inf);
  int64_t n = win_reg_node (fx, db, path, true);

  if (n <= 0)
    return -1;
  if (set_multi1 (fx, n, "", pkg) == -1 ||
      win_reg_set_str (fx, n, "Active", REG_SZ, pkg) == -1 ||
      set_multi1 (fx, n, "Configurations", WIN_DRIVERDB_CONF) == -1)
    return -1;
  return 0;
}

/* DriverPackages\<pkg>: version, configuration, descriptors. */
static int
add_package (struct fx *fx, int64_t db, const char *pkg, const char *drv,
             const char *const *ids)
{
  /* flags 00 ff 09 00, class GUID {4d36e97b-e325-11ce-bfc1-08002be10318}
   * in its little-endian layout, then 24 zero bytes (date, version). */
  static const unsigned char version[48] = {
    0x00, 0xff, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x7b, 0xe9, 0x36, 0x4d, 0x25, 0xe3, 0xce, 0x11,
    0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18,
  };
  CLEANUP_FREE char *path = xasprintf ("DriverPackages\\%s", pkg);
  CLEANUP_FREE char *conf = xasprintf ("Configurations\\%s", WIN_DRIVERDB_CONF);
  int64_t p = win_reg_node (fx, db, path, true), c;

  if (p <= 0 || win_reg_set (fx, p, "Version", REG_BINARY, version,
                             sizeof version) == -1)
    return -1;
  if ((c = win_reg_node (fx, p, conf, true)) <= 0 ||
      win_reg_set_dword (fx, c, "ConfigFlags", 0) == -1 ||
      win_reg_set_str (fx, c, "Service", REG_SZ, drv) == -1)
    return -1;
  for (size_t i = 0; ids[i]; ++i) {
    CLEANUP_FREE char *d = xasprintf ("Descriptors\\%s", ids[i]);
    int64_t n = win_reg_node (fx, p, d, true);
    if (n <= 0 ||
        win_reg_set_str (fx, n, "Configuration", REG_SZ,
                         WIN_DRIVERDB_CONF) == -1)
      return -1;
  }
  return 0;
}

int
win_driverdb_add (struct fx *fx, int64_t root, const char *drv,
                  const char *const *ids)
{
  static const unsigned char rank[4] = { 0x01, 0xff, 0x00, 0x00 };
  CLEANUP_FREE char *inf = xasprintf (WIN_DRIVERDB_INF_FMT, drv);
  CLEANUP_FREE char *pkg = xasprintf (WIN_DRIVERDB_PKG_FMT, drv);
  int64_t db = win_reg_node (fx, root, "DriverDatabase", false);

  if (db <= 0)
    return -1;
  for (size_t i = 0; ids[i]; ++i) {
    CLEANUP_FREE char *path = xasprintf ("DeviceIds\\%s", ids[i]);
    int64_t n = win_reg_node (fx, db, path, true);
    if (n <= 0 || win_reg_set (fx, n, inf, REG_BINARY, rank, 4) == -1)
      return -1;
  }
  return add_inf (fx, db, inf, pkg) == -1 ||
         add_package (fx, db, pkg, drv, ids) == -1 ? -1 : 0;
}
