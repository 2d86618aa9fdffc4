/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the Windows fixup, orchestration.
 *
 * windows_convert() runs in two phases so that a guest we must refuse is
 * never written to:
 *  1. read-only: mount the system volume read-only, refuse (exit 7) a
 *     hibernated or Fast-Startup volume (hiberfil.sys starting "HIBR" or
 *     "WAKE", any case; the NTFS volume dirty flag), a BitLocker volume
 *     on any disk ("-FVE-FS-" at byte 3 of the volume, the BitLocker
 *     boot-sector signature), a dynamic (LDM) system disk (MBR type 0x42
 *     or the GPT LDM partition types), and a virtio-win tree without the
 *     boot driver for this Windows, a UEFI system disk whose ESP has no
 *     loader (windows-esp.c); read the facts the edits need (below,
 *     through the hive layer windows-registry.c).
 *  2. read-write: copy drivers, edit SYSTEM and SOFTWARE, install the
 *     first-boot script, the ESP's fallback loader when it lacks one,
 *     report capabilities.
 * docs/windows.md explains every choice and compares with virt-v2v.
 *
 * Not done: Windows before Vista/2008 (no pnputil, no virtio-win
 * drivers), converting the guest's own BitLocker or LDM volumes.
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

/* Record a refusal: one line, exit 7. */
#define refuse(code, ...)                                               \
  (set_error (ENOTSUP, __VA_ARGS__), error_set_kind (V2K_ERR_GUEST),   \
   error_set_code (code), -1)

/* BitLocker signature at byte 3 of any partition of any disk. */
static int
check_bitlocker (struct fx *fx)
{
  char **parts = guestfs_list_partitions (fx->g);
  int r = 0;

  if (!parts)
    return gfs_error (fx->g, "list_partitions");
  for (size_t i = 0; r == 0 && parts[i]; ++i) {
    size_t n = 0;
    CLEANUP_FREE char *b = guestfs_pread_device (fx->g, parts[i], 11, 0, &n);
    if (b && n == 11 && memcmp (b + 3, "-FVE-FS-", 8) == 0)
      r = refuse ("bitlocker",
                  "'%s' is a BitLocker volume: turn BitLocker off in the "
                  "guest (manage-bde -off) before converting", parts[i]);
  }
  for (size_t i = 0; parts[i]; ++i)
    free (parts[i]);
  free (parts);
  return r;
}

/* GPT type GUIDs of LDM (dynamic disk) metadata and data partitions. */
#define GPT_LDM_META "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3"
#define GPT_LDM_DATA "AF9B60A0-1431-4F62-BC68-3311714A69AD"
#define GPT_ESP "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"

/* Refuse DEV if it is a dynamic (LDM) disk; set *UEFI if it has an ESP. */
static int
check_disk_dev (guestfs_h *g, const char *dev, bool *uefi)
{
  CLEANUP_FREE char *type = guestfs_part_get_parttype (g, dev);
  struct guestfs_partition_list *pl;
  int r = 0;

  if (!type || !(pl = guestfs_part_list (g, dev)))
    return 0;                   /* not partitioned: nothing to refuse */
  for (size_t i = 0; r == 0 && i < pl->len; ++i) {
    int num = pl->val[i].part_num;
    if (strcmp (type, "msdos") == 0) {
      if (guestfs_part_get_mbr_id (g, dev, num) == 0x42)
        r = refuse ("dynamic-disk",
                    "'%s' is a dynamic disk (LDM, partition type 0x42): "
                    "the system disk must be a basic disk", dev);
    }
    else if (strcmp (type, "gpt") == 0) {
      CLEANUP_FREE char *guid = guestfs_part_get_gpt_type (g, dev, num);
      if (guid && (strcasecmp (guid, GPT_LDM_META) == 0 ||
                   strcasecmp (guid, GPT_LDM_DATA) == 0))
        r = refuse ("dynamic-disk",
                    "'%s' is a dynamic disk (LDM partitions): the system "
                    "disk must be a basic disk", dev);
      if (guid && strcasecmp (guid, GPT_ESP) == 0)
        *uefi = true;
    }
  }
  guestfs_free_partition_list (pl);
  return r;
}

/* The disk holding the system volume. */
static int
check_disk (struct fx *fx)
{
  struct fx_windows *w = fx->win;
  CLEANUP_FREE char *dev = guestfs_part_to_dev (fx->g, fx->in->root);

  if (!dev)
    return gfs_error (fx->g, fx->in->root);
  return check_disk_dev (fx->g, dev, &w->uefi);
}

/* Inspection found no OS: libguestfs hides LDM partitions, so say so
 * when that is why (every disk is checked). */
static int
check_all_disks (guestfs_h *g)
{
  char **devs = guestfs_list_devices (g);
  bool uefi;
  int r = 0;

  for (size_t i = 0; devs && devs[i]; ++i)
    if (r == 0)
      r = check_disk_dev (g, devs[i], &uefi);
  for (size_t i = 0; devs && devs[i]; ++i)
    free (devs[i]);
  free (devs);
  return r;
}

/* NTFS "volume is dirty" flag: $Volume (MFT record 3), attribute 0x70,
 * flags bit 0 (ntfs-3g layout.h).  Fast Startup and a crash leave it. */
static int
check_ntfs_dirty (struct fx *fx)
{
  size_t n = 0;
  CLEANUP_FREE unsigned char *bs =
    (unsigned char *) guestfs_pread_device (fx->g, fx->in->root, 512, 0, &n);
  uint32_t bps, spc, rec;
  int64_t mft, off;
  int8_t cpr;

  if (!bs || n != 512 || memcmp (bs + 3, "NTFS    ", 8) != 0)
    return 0;                   /* not NTFS: nothing to check */
  bps = get_le16 (bs + 11);
  spc = bs[13];
  mft = (int64_t) get_le64 (bs + 48);
  cpr = (int8_t) bs[64];
  rec = cpr < 0 ? 1u << -cpr : (uint32_t) cpr * spc * bps;
  if (bps < 256 || bps > 4096 || spc == 0 || rec < 512 || rec > 4096 ||
      mft <= 0 || mft > (INT64_MAX / 4096) / 128)
    return 0;                   /* implausible: leave it to ntfs-3g */
  off = mft * spc * bps + 3 * (int64_t) rec;
  CLEANUP_FREE unsigned char *r =
    (unsigned char *) guestfs_pread_device (fx->g, fx->in->root, rec, off, &n);
  if (!r || n != rec || memcmp (r, "FILE", 4) != 0)
    return 0;
  /* Undo the update sequence array on each 512-byte stride. */
  uint32_t usa = get_le16 (r + 4), usn = get_le16 (r + 6);
  for (uint32_t i = 1; i < usn && usa + 2 * i + 1 < rec && i * 512 <= rec; ++i) {
    r[i * 512 - 2] = r[usa + 2 * i];
    r[i * 512 - 1] = r[usa + 2 * i + 1];
  }
  for (uint32_t a = get_le16 (r + 20); a + 24 <= rec;) {
    uint32_t type = get_le32 (r + a);
    uint32_t len = get_le32 (r + a + 4) & 0xffffff;
    if (type == 0xffffffff || len < 24 || a + len > rec)
      break;
    if (type == 0x70 && r[a + 8] == 0) {
      uint32_t v = a + get_le16 (r + a + 20);
      if (v + 12 <= rec && (r[v + 10] & 1))
        return refuse ("ntfs-dirty",
                       "'%s': the NTFS volume is marked dirty (Windows "
                       "crashed or was shut down with Fast Startup): boot "
                       "it and shut down fully (shutdown /s /t 0) first",
                       fx->in->root);
      return 0;
    }
    a += len;
  }
  return 0;
}

/* hiberfil.sys signatures: "hibr"/"HIBR" hibernated, "wake"/"WAKE"
 * resumed but not yet cleared; Fast Startup writes the same file. */
static int
check_hibernation (struct fx *fx)
{
  CLEANUP_FREE char *p = guestfs_case_sensitive_path (fx->g, "/hiberfil.sys");
  CLEANUP_FREE char *head = NULL;
  size_t n = 0;

  if (!p || guestfs_is_file (fx->g, p) <= 0)
    return 0;
  head = guestfs_pread (fx->g, p, 4, 0, &n);
  if (head && n == 4 && (strncasecmp (head, "hibr", 4) == 0 ||
                         strncasecmp (head, "wake", 4) == 0))
    return refuse ("hibernated",
                   "'%s' is hibernated (or Fast Startup is on): boot it and "
                   "shut down fully, with 'powercfg /h off', first",
                   fx->in->root);
  return 0;
}

/* The virtio-win architecture name for a libguestfs arch. */
static const char *
virtio_arch (const char *arch)
{
  if (strcmp (arch, "x86_64") == 0)
    return "amd64";
  if (strcmp (arch, "aarch64") == 0)
    return "ARM64";
  return "x86";
}

/* "C:" or whichever letter MountedDevices gives the system volume. */
static char *
drive_letter (struct fx *fx)
{
  char **m = guestfs_inspect_get_drive_mappings (fx->g, fx->in->root);
  char *ret = NULL;

  for (size_t i = 0; m && m[i] && m[i + 1]; i += 2)
    if (!ret && strcmp (m[i + 1], fx->in->root) == 0)
      ret = xasprintf ("%s:", m[i]);
  for (size_t i = 0; m && m[i]; ++i)
    free (m[i]);
  free (m);
  return ret ? ret : xstrdup ("C:");
}

static int
read_inspection (struct fx *fx)
{
  struct fx_windows *w = fx->win;
  guestfs_h *g = fx->g;
  const char *root = fx->in->root;
  CLEANUP_FREE char *variant = guestfs_inspect_get_product_variant (g, root);
  CLEANUP_FREE char *arch = guestfs_inspect_get_arch (g, root);

  w->major = guestfs_inspect_get_major_version (g, root);
  w->minor = guestfs_inspect_get_minor_version (g, root);
  w->systemroot = guestfs_inspect_get_windows_systemroot (g, root);
  if (!variant || !arch || !w->systemroot || w->major == -1 || w->minor == -1)
    return gfs_error (g, root);
  w->server = strncasecmp (variant, "Server", 6) == 0;
  w->drive = drive_letter (fx);
  w->arch = virtio_arch (arch);
  if (w->major < 6)
    return refuse ("windows-too-old",
                   "'%s': Windows before Vista/2008 is not supported", root);
  return 0;
}

/* ---- read-only facts from the hives: CurrentBuildNumber (SOFTWARE),
 * RealTimeIsUniversal and the static IPv4 interfaces (SYSTEM) ---- */

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
read_interface (struct fx *fx, int64_t node, const char *guid)
{
  struct fx_windows *w = fx->win;
  uint32_t dhcp = 1;
  string_vector ip = empty_vector, mask = empty_vector, gw = empty_vector;
  struct win_static_ip s = { 0 };
  int r;

  if ((r = win_reg_get_dword (fx, node, "EnableDHCP", &dhcp)) == -1)
    return -1;
  if (dhcp != 0)
    return 0;
  if (win_reg_get_strs (fx, node, "IPAddress", &ip) == -1 ||
      win_reg_get_strs (fx, node, "SubnetMask", &mask) == -1 ||
      win_reg_get_strs (fx, node, "DefaultGateway", &gw) == -1)
    r = -1;
  else if ((s.address = first_addr (&ip)) != NULL) {
    s.guid = xstrdup (guid);
    s.mask = first_addr (&mask);
    s.gateway = first_addr (&gw);
    s.dns = win_reg_get_str (fx, node, "NameServer");
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
current_cs (struct fx *fx, int64_t root)
{
  uint32_t cur = 1;
  int64_t sel = win_reg_node (fx, root, "Select", false);

  if (sel > 0)
    win_reg_get_dword (fx, sel, "Current", &cur);
  return xasprintf ("ControlSet%03u", cur % 1000);
}

static int
read_system (struct fx *fx)
{
  struct fx_windows *w = fx->win;
  int64_t root = guestfs_hivex_root (fx->g);
  CLEANUP_FREE char *cs = NULL;
  CLEANUP_FREE char *ifpath = NULL;
  CLEANUP_FREE char *tzpath = NULL;
  int64_t ifs, tz;
  uint32_t utc = 0;
  struct guestfs_hivex_node_list *kids;

  if (root <= 0)
    return gfs_error (fx->g, "hivex_root");
  cs = current_cs (fx, root);
  tzpath = xasprintf ("%s\\Control\\TimeZoneInformation", cs);
  if ((tz = win_reg_node (fx, root, tzpath, false)) == -1)
    return -1;
  if (tz > 0 && win_reg_get_dword (fx, tz, "RealTimeIsUniversal", &utc) == -1)
    return -1;
  w->rtc_utc = utc == 1;
  ifpath = xasprintf ("%s\\Services\\Tcpip\\Parameters\\Interfaces", cs);
  if ((ifs = win_reg_node (fx, root, ifpath, false)) <= 0)
    return ifs;
  if (!(kids = guestfs_hivex_node_children (fx->g, ifs)))
    return gfs_error (fx->g, ifpath);
  for (size_t i = 0; i < kids->len; ++i) {
    CLEANUP_FREE char *name = guestfs_hivex_node_name (fx->g,
                                                       kids->val[i].hivex_node_h);
    if (!name || read_interface (fx, kids->val[i].hivex_node_h, name) == -1) {
      guestfs_free_hivex_node_list (kids);
      return name ? -1 : gfs_error (fx->g, ifpath);
    }
  }
  guestfs_free_hivex_node_list (kids);
  return 0;
}

static int
read_registry (struct fx *fx)
{
  struct fx_windows *w = fx->win;
  int64_t cv;
  CLEANUP_FREE char *build = NULL;
  int r;

  if (win_reg_open (fx, "System32/config/SOFTWARE", false) == -1)
    return -1;
  cv = win_reg_node (fx, guestfs_hivex_root (fx->g),
                     "Microsoft\\Windows NT\\CurrentVersion", false);
  if (cv > 0 && (build = win_reg_get_str (fx, cv, "CurrentBuildNumber")))
    w->build = strtol (build, NULL, 10);
  if (win_reg_close (fx, false) == -1 || cv == -1)
    return -1;
  if (win_reg_open (fx, "System32/config/SYSTEM", false) == -1)
    return -1;
  r = read_system (fx);
  if (win_reg_close (fx, false) == -1)
    return -1;
  return r;
}
/* Phase 1: nothing is written. */
static int
phase_readonly (struct fx *fx)
{
  if (guestfs_umount_all (fx->g) == -1 ||
      guestfs_mount_ro (fx->g, fx->in->root, "/") == -1)
    return gfs_error (fx->g, fx->in->root);
  struct error_checks ck = { 0 };

  if (read_inspection (fx) == -1)
    return -1;
  /* independent refusals: every one is reported (error.h) */
  error_check (&ck, check_bitlocker (fx));
  error_check (&ck, check_disk (fx));
  error_check (&ck, check_hibernation (fx));
  error_check (&ck, check_ntfs_dirty (fx));
  error_check (&ck, read_registry (fx) == -1 ? -1 : win_drivers_locate (fx));
  if (error_checks_end (&ck) == -1)
    return -1;
  if (guestfs_umount_all (fx->g) == -1)
    return gfs_error (fx->g, fx->in->root);
  return win_esp_check (fx);
}

/* The NICs' MACs in configuration order, borrowed from O (fixup.h):
 * the --mac values (NAME=MAC; Windows interface names do not matter), in
 * the order given, else all the source VM's NICs' MACs that are known,
 * in order.  Appended to *OUT. */
static void
nic_macs (const struct fixup_options *o, string_vector *out)
{
  const string_vector *m = o->macs;
  const string_vector *src = o->source_macs;
  bool given;

  for (size_t i = 0; m && i < m->len; ++i)
    string_vector_append (out, strchr (m->ptr[i], '=') + 1);
  given = out->len > 0;
  for (size_t i = 0; !given && src && i < src->len; ++i)
    if (src->ptr[i][0])
      string_vector_append (out, src->ptr[i]);
}

/* Pair static interfaces with the guest's MACs (docs/windows.md). */
static void
pair_macs (struct fx *fx)
{
  struct fx_windows *w = fx->win;
  const string_vector *macs = &w->macs;

  if (w->ips.len == 0 || macs->len == 0)
    return;
  if (w->ips.len != 1 || macs->len != 1)
    warning ("nic-pairing-guessed", "%zu static IPv4 interfaces and %zu NICs: pairing them in "
             "order; check the addresses after the first boot",
             w->ips.len, macs->len);
  for (size_t i = 0; i < w->ips.len && i < macs->len; ++i) {
    char *m = xstrdup (macs->ptr[i]);
    for (char *p = m; *p; ++p)
      *p = *p == ':' ? '-' : (char) toupper ((unsigned char) *p);
    w->ips.ptr[i].mac = m;
  }
}

static void
fill_caps (struct fx *fx)
{
  const struct fx_windows *w = fx->win;
  struct guestcaps *caps = fx->caps;

  caps->block_bus = fx->opts->virtio_scsi ? CAPS_BLOCK_VIRTIO_SCSI
                                         : CAPS_BLOCK_VIRTIO_BLK;
  caps->net_model = w->have[DRV_NETKVM] ? CAPS_NET_VIRTIO : CAPS_NET_E1000E;
  if (!w->have[DRV_NETKVM])
    warning ("no-netkvm", "no NetKVM driver for this Windows: the NIC will be e1000e");
  caps->firmware = w->uefi ? CAPS_FW_UEFI : CAPS_FW_BIOS;
  caps->rtc_utc = w->rtc_utc;
  caps->hyperv = true;
  caps->virtio_rng = w->have[DRV_VIORNG];
  caps->virtio_balloon = w->have[DRV_BALLOON];
  caps->video = w->have[DRV_QXLDOD] ? CAPS_VIDEO_QXL : CAPS_VIDEO_VGA;
}

void
fx_windows_free (struct fx *fx)
{
  struct fx_windows *w = fx->win;

  if (!w)
    return;
  free (w->systemroot);
  free (w->esp);
  free (w->drive);
  free (w->srcdir);
  free (w->osdir);
  free (w->qga_msi);
  string_vector_free_all (&w->disabled);
  string_vector_reset (&w->macs);       /* the strings are opts' */
  for (size_t i = 0; i < w->ips.len; ++i) {
    struct win_static_ip *s = &w->ips.ptr[i];
    free (s->guid); free (s->mac); free (s->address);
    free (s->mask); free (s->gateway); free (s->dns);
  }
  win_static_ip_list_reset (&w->ips);
  free (w);
  fx->win = NULL;
}

/* SOFTWARE, committed once: DevicePath (windows-drivers.c) and the
 * first-boot script's registration (windows-firstboot.c). */
static int
edit_software (struct fx *fx)
{
  int64_t root;
  int r;

  if (win_reg_open (fx, "System32/config/SOFTWARE", true) == -1)
    return -1;
  root = guestfs_hivex_root (fx->g);
  r = root <= 0 ? gfs_error (fx->g, "SOFTWARE")
                : win_drivers_device_path (fx, root);
  if (r == 0)
    r = win_firstboot_register (fx, root);
  if (win_reg_close (fx, r == 0) == -1)
    return -1;
  return r;
}

int
windows_convert (struct fx *fx)
{
  const char *root = fx->in->root;
  int r = -1;

  fx->win = xzalloc (sizeof *fx->win);
  nic_macs (fx->opts, &fx->win->macs);
  if (phase_readonly (fx) == -1)
    goto out;
  pair_macs (fx);
  if (guestfs_mount (fx->g, root, "/") == -1) {
    gfs_error (fx->g, root);
    goto out;
  }
  if (win_drivers_install (fx) == -1 || win_drivers_bind (fx) == -1 ||
      edit_software (fx) == -1 || win_firstboot_install (fx) == -1 ||
      win_esp_fallback (fx) == -1)
    goto out;
  fill_caps (fx);
  r = 0;
 out:
  win_drivers_cleanup (fx);     /* the extracted ISO goes now */
  return r;
}

/* Error handler that keeps libguestfs quiet: errors are read back with
 * guestfs_last_error() and reported once by main.c. */
static void
quiet (guestfs_h *g, void *data, const char *msg)
{
}

int
windows_fixup_images (const char *const *images, size_t nr_images,
                      const struct fixup_options *opts,
                      struct guestcaps *caps, bool *esp_fallback)
{
  static const struct fixup_options none;
  /* Only what the Windows entry uses: no fixup_result (fixups.c would
   * pull the Linux fixups into wintool). */
  struct inspect in = { 0 };
  fixup_change_list changes = empty_vector;
  struct fx fx = {
    .opts = opts ? opts : &none, .in = &in, .caps = caps,
    .changes = &changes, .nr_disks = nr_images,
  };
  guestfs_h *g = guestfs_create ();
  char **roots = NULL;
  int r = -1;

  if (!g) {
    set_error_errno ("cannot create a libguestfs handle");
    error_set_kind (V2K_ERR_HYPERVISOR);
    return -1;
  }
  fx.g = g;
  guestfs_set_error_handler (g, quiet, NULL);
  for (size_t i = 0; i < nr_images; ++i)
    if (guestfs_add_drive_opts (g, images[i], GUESTFS_ADD_DRIVE_OPTS_FORMAT,
                                "raw", -1) == -1) {
      gfs_error (g, images[i]);
      goto out;
    }
  if (guestfs_launch (g) == -1) {
    gfs_error (g, "launch");
    error_set_kind (V2K_ERR_HYPERVISOR);
    goto out;
  }
  if (!(roots = guestfs_inspect_os (g))) {
    gfs_error (g, "inspect_os");
    goto out;
  }
  if (!roots[0] && check_all_disks (g) == -1)
    goto out;
  if (!roots[0] || roots[1]) {
    set_error (ENOTSUP, "'%s': expected exactly one operating system",
               images[0]);
    error_set_kind (V2K_ERR_GUEST);
    goto out;
  }
  in.root = roots[0];
  r = windows_fixup.convert (&windows_fixup, &fx);
  if (r == 0 && (guestfs_umount_all (g) == -1 || guestfs_shutdown (g) == -1))
    r = gfs_error (g, "shutdown");
  *esp_fallback = r == 0 && fx.win->esp_fallback_added;
 out:
  for (size_t i = 0; roots && roots[i]; ++i)
    free (roots[i]);
  free (roots);
  fx_windows_free (&fx);
  for (size_t i = 0; i < changes.len; ++i) {
    free (changes.ptr[i].file);
    free (changes.ptr[i].what);
  }
  fixup_change_list_reset (&changes);
  guestfs_close (g);
  return r;
}
