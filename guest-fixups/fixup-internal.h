/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: internals shared by the files of guest-fixups/ (not used outside).
 *
 * struct fx is the conversion in progress: the libguestfs handle with the
 * guest mounted at /, the options, what inspection found and the caps and
 * change log being filled.  Every write to the guest goes through the fx_*
 * helpers in gfs.c, which log the change, keep the file's original content
 * so a failed conversion can put it back (fx_rollback), and in dry-run
 * mode skip commands (files are written to libguestfs's throwaway
 * overlay, so later steps see them). */
#ifndef V2K_FIXUP_INTERNAL_H
#define V2K_FIXUP_INTERNAL_H

#include <stdbool.h>

#include <guestfs.h>

#include "fixup.h"
#include "vector.h"

struct fx_backup {
  char *path;
  char *content;                /* NULL: the file did not exist */
  size_t size;
  char *link;                   /* the path was this symlink */
};
DEFINE_VECTOR_TYPE (fx_backup_list, struct fx_backup);

struct linux_family;
struct fx_windows;

/* A LUKS device opened in the appliance (luks.c). */
struct luks_dev {
  char *dev;                    /* appliance device, "/dev/sda2" */
  char *uuid;                   /* LUKS UUID, or NULL */
  char *name;                   /* its mapping: /dev/mapper/NAME */
  char *key;                    /* the passphrase that opened it (wiped) */
};
DEFINE_VECTOR_TYPE (luks_dev_list, struct luks_dev);

/* Open every LUKS device on the disks with opts->keys / opts->key_input
 * (fixup.h), as /dev/mapper/luks-UUID, and activate LVM inside them.
 * Appends to *out (free with luks_dev_list_free).  0, or -1 + set_error
 * (a device without a key is refused before any is opened). */
int luks_open_all (guestfs_h *g, const struct fixup_options *opts,
                   luks_dev_list *out);

/* Read the /etc/crypttab of root (inspected, not mounted; left
 * unmounted) and reopen each device of *l that it names differently
 * under that name.  Returns 1 when it did (inspection must then run
 * again), 0 when nothing changed, -1 + set_error. */
int luks_names_from_crypttab (guestfs_h *g, const char *root,
                              luks_dev_list *l, bool readonly);

void luks_dev_list_free (luks_dev_list *l);

struct fx {
  guestfs_h *g;
  const struct fixup_options *opts;
  struct inspect *in;
  struct guestcaps *caps;
  struct fixup_result *res;     /* caps, changes, esp, kernel */
  fixup_change_list *changes;
  fx_backup_list backups;
  const struct linux_family *fam;
  char *kernel;                 /* chosen kernel version */
  const char *legacy_conf;      /* legacy grub file whose default= ... */
  size_t legacy_index;          /* ... must become this entry */
  size_t nr_disks;
  char *efi_loader_dir;         /* linux-efi.c: copy this to EFI/BOOT */
  /* linux_kernel_has_module's cache: modules.builtin + modules.dep of one
   * kernel (read ~10 times otherwise, each read a few appliance round
   * trips); dropped by fx_command, which may change them. */
  char *modlist_version;
  char *modlist;
  /* The Windows fixup's own state (struct fx_windows, windows.h: system
   * root, version, virtio-win tree, drivers copied, static IPs, ESP...),
   * made by windows_convert; NULL for other guests.  A pointer so this
   * header needs none of the Windows types; fx_windows_free drops it. */
  struct fx_windows *win;
};

/* A family fixup (HACKING.md "Add a fixup").  matches() is pure;
 * convert() runs with the guest mounted read-write, fills fx->caps and
 * returns 0, or -1 after set_error (the caller then rolls the file edits
 * back). */
struct fixup {
  const char *name;
  const struct linux_family *family;    /* Linux fixups: their data */
  bool (*matches) (const struct fixup *f, const struct inspect *in);
  int (*convert) (const struct fixup *f, struct fx *fx);
};

extern const struct fixup windows_fixup;
/* Free fx->win and set it NULL (nothing when it is NULL already). */
void fx_windows_free (struct fx *fx);

/* fixups.c: the ordered table (first match wins). */
extern const struct fixup *const fixup_table[];

/* The guest is mounted read-only while a fixup checks it; this remounts
 * it read-write once the checks have passed.  0 or -1 + set_error. */
int fx_mount_writable (struct fx *fx);

/* gfs.c: libguestfs boundary.  Each returns -1/NULL after set_error with
 * libguestfs's message and kind V2K_ERR_GUEST.  gfs_error is the one
 * translation of a failed libguestfs call ("WHAT: message", EIO, kind
 * V2K_ERR_GUEST; returns -1), for code that holds only the handle (the
 * Windows fixup); fx_gfs_error is it on fx->g. */
int gfs_error (guestfs_h *g, const char *what);
int fx_gfs_error (struct fx *fx, const char *what);
/* 1 and *out (owned, NUL-terminated, *size set if size) when the file
 * exists, 0 when it does not, -1 on error. */
int fx_read (struct fx *fx, const char *path, char **out, size_t *size);
bool fx_is_file (struct fx *fx, const char *path);
bool fx_is_dir (struct fx *fx, const char *path);
bool fx_is_symlink (struct fx *fx, const char *path);
/* First of the NULL-terminated paths that is a file, or NULL. */
const char *fx_first_file (struct fx *fx, const char *const *paths);
/* Directory listing (names only, owned), sorted; empty if absent. */
int fx_ls (struct fx *fx, const char *dir, string_vector *out);
/* Write content (backing up the original), log "fixup: path: what"
 * unless what is NULL (the caller logged more precisely). */
int fx_write (struct fx *fx, const char *path, const char *content,
              size_t len, const char *what);
int fx_unlink (struct fx *fx, const char *path, const char *what);
/* Replace the existing file path by the local file new_local (uploaded
 * beside it, then renamed over it, keeping its mode).  orig (taken) holds
 * path's current content, for fx_rollback.  Logs "fixup: path: what". */
int fx_replace (struct fx *fx, const char *path, const char *new_local,
                char *orig, size_t orig_size, const char *what);
int fx_symlink (struct fx *fx, const char *target, const char *path,
                const char *what);
/* Copy the guest file from to the guest path to (backing up what to
 * held, so fx_rollback removes a new file), log "fixup: to: what". */
int fx_copy (struct fx *fx, const char *from, const char *to,
             const char *what);
/* Run argv inside the guest (chroot); in dry-run mode only log it.  On
 * failure the error names the program and gives its error output (the
 * whole command line is the change logged just before). */
int fx_command (struct fx *fx, const char *const *argv);
/* Append a change line "fixup: file: what" (printf). */
void fx_log (struct fx *fx, const char *file, const char *fmt, ...)
  __attribute__((format (printf, 3, 4)));
/* describe.c: fill fx->res->facts from the mounted guest (read only;
 * what cannot be read is left unknown).  Returns 0. */
int fixup_describe (struct fx *fx);

/* Put back every file written since the start (best effort). */
void fx_rollback (struct fx *fx);
void fx_backups_free (struct fx *fx);

/* linux-edit.c: line-oriented edits.  The callback returns a new line
 * (owned) to replace it, NULL to keep it, or FX_DELETE_LINE. */
extern char fx_delete_line[];
#define FX_DELETE_LINE fx_delete_line
typedef char *(*fx_line_fn) (struct fx *fx, const char *path,
                             const char *line, void *data);
int fx_edit_lines (struct fx *fx, const char *path, fx_line_fn fn,
                   void *data);
/* Rename block devices and the Xen console in the guest's config files
 * (fstab, crypttab, grub, resume, mdadm, inittab, securetty, getty). */
int linux_remap_devices (struct fx *fx);
int linux_fix_console (struct fx *fx);
/* Old name ("xvda1") -> new name ("vda1", owned), or NULL if not ours. */
char *linux_new_device_name (struct fx *fx, const char *name);

/* linux-kernel.c: pick the kernel (fails, before any write, when only
 * Xen-PV kernels exist) and fill caps from its modules; then make it
 * legacy grub's default when it was not. */
int linux_choose_kernel (struct fx *fx);
int linux_set_default_kernel (struct fx *fx);
bool linux_kernel_has_module (struct fx *fx, const char *version,
                              const char *module);

/* linux-initramfs.c: add the virtio modules mods (NULL-terminated) to
 * the chosen kernel's existing initramfs-tools image and bring the
 * config it embeds up to date, without running mkinitramfs (see the file
 * for when it applies).  1 when done, 0 when the image cannot be patched
 * (the caller runs the guest's tool instead; the reason is a debug
 * message), -1 + set_error when the guest could not be written. */
int linux_patch_initramfs (struct fx *fx, const char *const *mods);

/* linux-efi.c: the UEFI removable-media fallback loader.  The ESP's
 * mount point (/boot/efi or /efi) or NULL; the grub.cfg files of its
 * EFI/<id>/ folders appended to out (owned); the check (read-only
 * phase: 0, or -1 + set_error when no fallback can be made) and the copy
 * (write phase). */
const char *linux_esp_mountpoint (const struct fx *fx);
int linux_esp_grub_configs (struct fx *fx, string_vector *out);
int linux_efi_check (struct fx *fx);
int linux_efi_fallback (struct fx *fx);

/* linux-net.c: pin interface names to MACs. */
int linux_pin_interfaces (struct fx *fx);

/* linux-tools.c: Xen-only driver configuration and the X11 vmware driver
 * (file edits), then removal of VMware/Xen/VirtualBox guest tools
 * (commands, run last). */
int linux_fix_xen_drivers (struct fx *fx);
int linux_remove_tools (struct fx *fx);

/* Family data (linux-debian.c, linux-rhel.c, linux-suse.c) and the shared
 * conversion (linux-common.c). */
#define MAX_TOOL_PACKAGES 16

struct linux_family {
  const char *name;
  const char *const *distros;   /* inspection distro names */
  /* initramfs tools, in order of preference, by full path; the base name
   * says how to call it (update-initramfs, dracut, mkinitrd) */
  const char *const *initramfs_tools;
  /* initrd file name patterns for dracut/mkinitrd ("%s" = version), the
   * first existing one is rebuilt, else the first is created */
  const char *const *initrd_names;
  bool suse_mkinitrd;           /* mkinitrd takes -k/-i/-m (SUSE) */
  const char *const *tool_packages;     /* hypervisor tool packages */
  const char *pkg_remove[4];    /* argv prefix to remove packages */
  const char *const *extra_config;      /* family files with devices/consoles */
  int i440fx_below;             /* major versions below it get i440fx */
};

extern const struct linux_family debian_family, rhel_family, suse_family;

bool linux_family_matches (const struct linux_family *fam,
                           const struct inspect *in);
int linux_convert (struct fx *fx, const struct linux_family *fam);
int linux_rebuild_initramfs (struct fx *fx);

/* The virtio modules every initramfs gets. */
extern const char *const virtio_modules[];

#endif /* V2K_FIXUP_INTERNAL_H */
