/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the Windows fixup (guest-fixups/windows*.c).
 *
 * It works on the same struct fx as the Linux fixups (fixup-internal.h):
 * the handle, the options (struct fixup_options), the inspected root and
 * the caps come from there, and its own state is fx->win (struct
 * fx_windows below), as the Linux-only state is fx->kernel, ... .  The
 * seam with the rest of the program is the fixup table entry
 * windows_fixup (fixup-windows.c), which calls windows_convert().
 *
 * Everything below "internal" is shared only by the windows*.c files,
 * in three layers; each calls only the layers below it (and the shared
 * libguestfs error helper, gfs.c):
 *   windows.c           the entry: refusals, read-only facts, the order
 *                       of the edits, capabilities
 *   windows-drivers.c   policy: virtio-win lookup, directory choice,
 *                       copy, the boot driver's binding in SYSTEM,
 *                       DevicePath in SOFTWARE
 *   windows-driverdb.c    (its Windows 8+ DriverDatabase record)
 *   windows-firstboot.c policy: the bounded first-boot script and its
 *                       Group Policy registration in SOFTWARE
 *   windows-esp.c       policy: the UEFI fallback loader
 *   windows-registry.c  the hive layer: guest paths under %SystemRoot%,
 *                       hive open/close, key and value access
 * docs/windows.md says why each mechanism was chosen.
 */
#ifndef V2K_WINDOWS_H
#define V2K_WINDOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <guestfs.h>

#include "fixup.h"
#include "guestcaps.h"
#include "vector.h"

struct fx;

/* Convert the Windows guest at fx->in->root.  Needs fx->g launched (the
 * filesystems may be mounted or not: this unmounts, checks everything
 * read-only, then mounts the root read-write), fx->opts (fixup.h: reads
 * virtio_win, virtio_scsi and the NICs' MACs -- macs, else source_macs,
 * windows.c nic_macs -- and nothing else), fx->caps, and fx->win NULL.
 * Makes fx->win (freed by fx's owner with fx_windows_free, even after a
 * failure).  Refusals (hibernation, BitLocker, dynamic system disk, no
 * viostor/vioscsi for this Windows) happen before anything is written,
 * with error kind V2K_ERR_GUEST (exit 7).
 * Returns 0, or -1 with the error set.  On success sets in fx->caps what
 * the drivers decide -- block_bus (virtio-scsi or virtio-blk), net_model
 * (virtio when NetKVM went in, else e1000e), firmware (UEFI when the
 * system disk has an ESP), rtc_utc (RealTimeIsUniversal=1), hyperv
 * (always), virtio_rng, virtio_balloon, video (QXL when qxldod went in,
 * else VGA) -- and leaves its other fields alone;
 * fx->win->esp_fallback_added says whether EFI/Boot/bootx64.efi was
 * copied from bootmgfw.efi.  Its guest edits go straight through
 * libguestfs, not the fx_* helpers: fx_rollback does not undo them (the
 * refusals come before the first write). */
int windows_convert (struct fx *fx);

/* Whole run on raw disk images, for tests/wintool: launch, inspect (one
 * root, else refused), the table entry windows_fixup on a struct fx made
 * here from OPTS (NULL: defaults) and CAPS, shut down.  *ESP_FALLBACK
 * says whether the fallback loader was added.  Returns 0 or -1 with the
 * error set. */
int windows_fixup_images (const char *const *images, size_t nr_images,
                          const struct fixup_options *opts,
                          struct guestcaps *caps, bool *esp_fallback);

/* ---- internal to guest-fixups/windows*.c ----
 *
 * Every function below takes the conversion in progress, struct fx
 * (fixup-internal.h), with fx->win made by windows_convert; it uses
 * fx->g, fx->opts, fx->in->root and fx->win, nothing else of fx.  Unless
 * said otherwise: returns 0, or -1 + set_error (a libguestfs failure
 * through gfs_error: its message, kind V2K_ERR_GUEST). */

/* Names of the virtio-win driver folders this fixup knows. */
enum win_drv {
  DRV_VIOSTOR, DRV_VIOSCSI, DRV_NETKVM, DRV_BALLOON, DRV_VIOSERIAL,
  DRV_VIORNG, DRV_QXLDOD, DRV_PVPANIC, DRV_VIOINPUT, NR_WIN_DRV
};

/* One static IPv4 configuration found offline. */
struct win_static_ip {
  char *guid;                   /* interface {GUID} */
  char *mac;                    /* "52-54-00-.." as getmac prints, or NULL */
  char *address, *mask, *gateway, *dns; /* dns: comma-separated or NULL */
};
DEFINE_VECTOR_TYPE (win_static_ip_list, struct win_static_ip);

/* The Windows fixup's state, fx->win (fixup-internal.h): what the
 * read-only phase found and what the edits did.  The handle, the options,
 * the root (fx->in->root) and the caps are struct fx's.  Made by
 * windows_convert, freed by fx_windows_free. */
struct fx_windows {
  string_vector macs;           /* NICs' MACs, borrowed from fx->opts */
  char *systemroot;             /* guest path, e.g. "/Windows" */
  int major, minor;             /* 10.0, 6.1 ... */
  long build;                   /* CurrentBuildNumber, 0 if unknown */
  bool server;
  const char *arch;             /* virtio-win name: amd64, x86, ARM64 */
  const char *srcname;          /* virtio-win as the user named it */
  char *srcdir;                 /* host directory holding the virtio-win tree */
  char *tmpdir;                 /* extracted ISO, removed at the end */
  char *osdir;                  /* chosen "w10", "2k19", ... */
  bool have[NR_WIN_DRV];        /* driver copied into the guest */
  char *qga_msi;                /* guest-agent MSI base name, or NULL */
  string_vector disabled;       /* services set to Start=4 */
  win_static_ip_list ips;       /* static IPv4 interfaces, registry order */
  bool rtc_utc;
  bool uefi;
  char *esp;                    /* ESP partition of the system disk */
  bool esp_fallback;            /* its fallback loader must be made */
  bool esp_fallback_added;      /* ... and was */
  bool use_cddb;                /* Windows < 8, or no DriverDatabase */
  bool use_driverdb;            /* Windows 8+ with a DriverDatabase */
  char *drive;                  /* drive letter of %SystemRoot%, "C:" */
  int gp_index;                 /* Group Policy Startup\N we registered */
  bool gp_ini_created;          /* we wrote gpt.ini + scripts.ini */
};

/* windows-esp.c: a UEFI guest's fallback loader (EFI/Boot/bootx64.efi)
 * from bootmgfw.efi.  check: read-only, nothing mounted, needs
 * fx->win->uefi and arch; sets esp and esp_fallback; refuses (kind
 * V2K_ERR_GUEST) an ESP with neither loader.  fallback: when esp_fallback,
 * copies it and sets esp_fallback_added (the system volume is mounted
 * read-write at / again after). */
int win_esp_check (struct fx *fx);
int win_esp_fallback (struct fx *fx);

/* windows-drivers.c.
 * locate: read-only, before any write; needs the version facts of
 * fx->win (major, minor, build, server, arch); finds the virtio-win tree
 * from fx->opts->virtio_win (else $VIRTIO_WIN, else
 * /usr/share/virtio-win; an ISO is unpacked into fx->win->tmpdir) and the
 * folder for this Windows (sets srcname, srcdir, osdir); no boot driver
 * (viostor, vioscsi with fx->opts->virtio_scsi) or no tree: kind
 * V2K_ERR_GUEST.
 * install: the system volume mounted read-write; copies the drivers into
 * %SystemRoot%\Drivers\VirtIO, the boot driver's .sys into
 * System32\drivers and the guest-agent MSI (sets have[], qga_msi). */
int win_drivers_locate (struct fx *fx);
int win_drivers_install (struct fx *fx);
/* Open SYSTEM, bind the boot driver and disable the foreign services in
 * every control set, commit (sets fx->win->use_driverdb / use_cddb and
 * disabled). */
int win_drivers_bind (struct fx *fx);
/* SOFTWARE open at ROOT: append the VirtIO folder to DevicePath. */
int win_drivers_device_path (struct fx *fx, int64_t root);
/* Remove the unpacked ISO (fx->win->tmpdir), if any.  Never fails. */
void win_drivers_cleanup (struct fx *fx);
extern const char *const win_drv_name[NR_WIN_DRV];

/* The hive layer (windows-registry.c): calls nothing above it; of
 * fx->win it reads only systemroot.
 * win_path: the case-resolved guest path of REL (relative to
 * %SystemRoot%, '/'-separated), owned, or NULL + set_error.
 * Hive access: one hive is open at a time;
 * REL is relative to %SystemRoot%.  Nodes: >0 found, 0 absent, -1 error.
 * Getters return 1 found, 0 absent or of another type, -1 error. */
#define REG_SZ 1
#define REG_EXPAND_SZ 2
#define REG_BINARY 3
#define REG_DWORD 4
#define REG_MULTI_SZ 7
#define REG_QWORD 11
char *win_path (struct fx *fx, const char *rel);
int win_reg_open (struct fx *fx, const char *rel, bool write);
int win_reg_close (struct fx *fx, bool commit);
int64_t win_reg_node (struct fx *fx, int64_t node, const char *path,
                      bool create);
int win_reg_set (struct fx *fx, int64_t node, const char *key, int type,
                 const void *data, size_t len);
int win_reg_set_dword (struct fx *fx, int64_t node, const char *key,
                       uint32_t v);
int win_reg_set_str (struct fx *fx, int64_t node, const char *key, int type,
                     const char *s);
int win_reg_set_multi (struct fx *fx, int64_t node, const char *key,
                       const string_vector *v);
int win_reg_get_dword (struct fx *fx, int64_t node, const char *key,
                       uint32_t *out);
int win_reg_get_strs (struct fx *fx, int64_t node, const char *key,
                      string_vector *out);
char *win_reg_get_str (struct fx *fx, int64_t node, const char *key);

/* windows-driverdb.c: the Windows 8+ DriverDatabase binding of service
 * DRV to the PCI IDS (NULL-terminated) under SYSTEM's ROOT (SYSTEM open
 * for writing). */
int win_driverdb_add (struct fx *fx, int64_t root, const char *drv,
                      const char *const *ids);

/* windows-firstboot.c, after the drivers are installed and bound.
 * install: the system volume mounted read-write; writes the script
 * (%SystemRoot%\v2kvm\firstboot.cmd) and, when the guest had no
 * gpt.ini (gp_ini_created), the Group Policy gpt.ini and scripts.ini.
 * register: SOFTWARE open for writing at SOFTWARE_ROOT; registers the
 * script as a machine startup script (sets gp_index, gp_ini_created).
 * script: the .cmd text (owned), from fx->win and fx->opts; never
 * fails. */
int win_firstboot_install (struct fx *fx);
int win_firstboot_register (struct fx *fx, int64_t software_root);
char *win_firstboot_script (const struct fx *fx);


/* Names of the transient DriverDatabase binding (windows-driverdb.c),
 * deleted again by the first-boot script. */
#define WIN_DRIVERDB_INF_FMT "v2kvm-%s.inf"
#define WIN_DRIVERDB_PKG_FMT "v2kvm-%s.inf_tmp"
#define WIN_DRIVERDB_CONF "v2kvm_conf"

#define WIN_FIRSTBOOT_DIR "v2kvm"          /* %SystemRoot%\v2kvm */
#define WIN_FIRSTBOOT_MAX_RUNS 3           /* script gives up after this */
#define WIN_FIRSTBOOT_MAX_REBOOTS 1        /* and never reboots more */

#endif /* V2K_WINDOWS_H */
