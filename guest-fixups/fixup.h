/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: guest fixups: make a VMware or Xen Linux guest boot on KVM virtio.
 *
 * The job of virt-v2v's convert/convert_linux.ml (and virt-v2v-in-place),
 * written from its documented behaviour (virt-v2v(1) "CONVERTING A GUEST",
 * libguestfs guestfs(3) "INSPECTION"), not from its code.  The disks are
 * opened with libguestfs, the guest is inspected, one family fixup (the
 * first entry of the table in fixups.c whose matches() is true) edits the
 * mounted guest, filesystems are trimmed and the result says which devices
 * the converted guest can use (struct guestcaps).
 *
 * This folder is the only one that links libguestfs.  Nothing here prints
 * errors or exits: failures are -1 + set_error (common/error.h), with
 * libguestfs's own message (guestfs_last_error) translated at the boundary
 * in gfs.c.  Guest problems have the kind V2K_ERR_GUEST (exit 7), a failed
 * appliance launch V2K_ERR_HYPERVISOR (exit 8).
 *
 * Windows guests go to windows_convert() (windows.h) through the table
 * entry in fixup-windows.c.  Not done here: installing kernels, network access from
 * the appliance (no package is ever downloaded).
 */
#ifndef V2K_FIXUP_H
#define V2K_FIXUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "guestcaps.h"
#include "vector.h"

/* What libguestfs inspection found (guestfs_inspect_get_*), for the
 * chosen root.  Strings are owned. */
struct inspect {
  char *root;                   /* appliance device, e.g. "/dev/sda1" */
  char *type;                   /* "linux", "windows", ... */
  char *distro;                 /* "debian", "rhel", "sles", ... */
  char *product_name;
  char *arch;
  int major, minor;
  string_vector mountpoints;    /* pairs: mountpoint, device (sorted) */
  bool has_systemd;             /* the guest has /{usr/,}lib/systemd/systemd */
};

/* One change made to the guest: "fixup: FILE: WHAT".  file is a guest
 * path, or "command" for a command run inside the appliance. */
struct fixup_change {
  char *file;
  char *what;
};
DEFINE_VECTOR_TYPE (fixup_change_list, struct fixup_change);

/* A passphrase for LUKS devices (--key ID:key:PASS, --key ID:file:PATH,
 * virt-v2v(1) "--key"): id is an appliance device name ("/dev/sda2"), the
 * LUKS UUID, or "all" (every device).  passphrase is owned and wiped when
 * freed (fixup_keys_free). */
struct fixup_key {
  char *id;
  char *passphrase;
  bool from_file;               /* ID:file:PATH (else ID:key:PASS) */
};
DEFINE_VECTOR_TYPE (fixup_key_list, struct fixup_key);

/* Wipe and free every key of *keys. */
void fixup_keys_free (fixup_key_list *keys);

enum fixup_accel { FIXUP_ACCEL_AUTO = 0, FIXUP_ACCEL_KVM, FIXUP_ACCEL_TCG };

#define FIXUP_MAX_SMP 16

struct fixup_options {
  const char *root;             /* "single" (default if NULL), "first", "/dev/..." */
  bool dry_run;                 /* throwaway overlay, no commands run */
  /* Commands are listed as changes but not run, on disks the caller
   * throws away (`v2kvm inspect`: unlike dry_run, file edits and the
   * final trim do reach the disks, so what a copy would write can be
   * measured on them). */
  bool list_commands;
  bool describe;                /* fill fixup_result.facts */
  bool no_trim;                 /* skip the final fstrim (and swap discard) */
  /* The disks' backing data the appliance reads is copied into them
   * (qemu copy-on-read), so a copy pass afterwards reads it from the
   * overlay instead of again from a slow (remote) source. */
  bool copy_on_read;
  /* Linux: always run the guest's initramfs tool, even where the existing
   * initramfs-tools image could be patched (--rebuild-initramfs). */
  bool rebuild_initramfs;
  enum fixup_accel accel;
  /* Virtual CPUs of the appliance (--smp), 1 to FIXUP_MAX_SMP; 0: as many
   * as the host has, at most APPLIANCE_AUTO_SMP (guest-fixups/inspect.c).
   * Conversions run side by side (`v2kvm batch -P N`) share the host's
   * cores: more vCPUs than cores in all slows every appliance, under TCG
   * most (docs/benchmarks.md, "batch against sequential converts"). */
  unsigned smp;
  /* NAME=MAC pairs from the source config (--mac): MACs of interfaces the
   * guest's own config names without a MAC. */
  const string_vector *macs;
  /* Optional: MACs of the source VM's NICs, in the config's order (the
   * converter passes them).  An interface the guest configures without a
   * MAC gets one from here: "enX<N>" (Xen netfront) and "eth<N>" the Nth
   * NIC's, any other name the only NIC's when exactly one is left. */
  const string_vector *source_macs;
  /* Optional: source_targets[i] is the old name ("xvda", "sdb") of disk
   * i; NULL = map by letter order (sdb, xvdb, hdb -> vdb). */
  const char *const *source_targets;
  /* Windows: boot disk on virtio-scsi (vioscsi) instead of virtio-blk
   * (viostor); --block-driver.  Linux guests ignore it. */
  bool virtio_scsi;
  /* Windows: virtio-win ISO or directory (NULL: $VIRTIO_WIN, else
   * /usr/share/virtio-win). */
  const char *virtio_win;
  /* LUKS: the keys given (NULL: none), tried in order on each device
   * they name; then, for a device none of them names, one line read
   * from key_input (--keys-from-stdin; NULL: none).  A LUKS device left
   * without a key stops the conversion before anything is written
   * (V2K_ERR_GUEST, code "luks-no-key"); keys that do not open it stop
   * it too (V2K_ERR_USAGE, code "luks-bad-key"). */
  const fixup_key_list *keys;
  FILE *key_input;
};

/* What the guest is made of, for `v2kvm inspect` (filled, read-only,
 * right after the root is mounted, when fixup_options.describe is set).
 * Strings in vectors are owned; the const char * are static. */
struct guest_facts {
  bool described;
  string_vector kernels;        /* versions under /lib/modules, sorted */
  const char *initramfs_tool;   /* the tool's path in the guest, or NULL */
  const char *bootloader;       /* grub2 grub-legacy extlinux systemd-boot
                                   windows-bootmgr, or NULL */
  const char *init;             /* systemd upstart sysvinit windows, NULL */
  string_vector filesystems;    /* pairs: device, type (list_filesystems) */
  bool lvm, luks, bitlocker;
  string_vector addresses;      /* "IFACE=ADDRESS" configured statically */
};

struct fixup_result {
  struct inspect inspect;
  struct guest_facts facts;
  /* What the converted guest can use (common/guestcaps.h): a fixup that
   * could not install virtio says so here (block bus SATA) rather than
   * failing.  caps.arch points into inspect. */
  struct guestcaps caps;
  char *esp;                    /* UEFI: ESP device in guest names, or NULL */
  char *kernel;                 /* version of the kernel that will boot */
  fixup_change_list changes;
  /* "NAME=MAC" of each network interface the guest configures and knows
   * the MAC of, in the order found: lets the converter keep a NIC's MAC
   * when the source config gave none (a VMware OVF). */
  string_vector guest_macs;
  bool used_tcg;                /* the appliance ran under TCG */
  unsigned smp;                 /* ... with this many vCPUs */
};

/* Convert the guest on disks[0..n-1] (formats[i] "raw" or "qcow2") in
 * place.  Fills *res (zeroed by the caller; free with fixup_result_free
 * even after a failure).  Returns 0, or -1 + set_error.  When a step fails
 * after files were edited, the edited files are restored before
 * returning (commands already run cannot be undone). */
int fixup_disks (const char *const *disks, const char *const *formats,
                 size_t n, const struct fixup_options *opts,
                 struct fixup_result *res);

void fixup_result_free (struct fixup_result *res);

#endif /* V2K_FIXUP_H */
