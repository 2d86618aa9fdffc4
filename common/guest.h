/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: struct guest, the neutral description of a source VM.
 *
 * Config readers (formats/cfg-*.c) fill it in from a .vmx, an OVF, an
 * xl/xm config, libvirt XML or a XenServer ova.xml; everything
 * downstream (fixups, domain XML, outputs) reads only this.  It plays the
 * role of virt-v2v's `source` (lib/types.mli) and is printed the same
 * way for --print-source style golden tests (guest_print).
 *
 * Ownership: every string and vector element is owned by the guest and
 * freed by guest_free().  Readers allocate with xalloc (small strings).
 * Nothing here opens a disk: disk sizes stay 0 unless the config states
 * a capacity (OVF DiskSection, XenServer VDI virtual_size).
 */
#ifndef V2K_GUEST_H
#define V2K_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vector.h"

/* Where the guest came from: decides the fixups (Xen PV kernels and
 * consoles, VMware tools removal). */
enum guest_origin {
  GUEST_ORIGIN_UNKNOWN = 0,
  GUEST_ORIGIN_VMWARE,
  GUEST_ORIGIN_VIRTUALBOX,
  GUEST_ORIGIN_XEN_PV,
  GUEST_ORIGIN_XEN_PVH,
  GUEST_ORIGIN_XEN_HVM,
  GUEST_ORIGIN_XENSERVER,       /* builder is in os.builder */
};

enum guest_firmware {
  GUEST_FW_UNKNOWN = 0,         /* settled later by inspection */
  GUEST_FW_BIOS,
  GUEST_FW_UEFI,
};

/* Bus the device sat on in the source. */
enum guest_bus {
  GUEST_BUS_UNKNOWN = 0,
  GUEST_BUS_IDE,
  GUEST_BUS_SCSI,
  GUEST_BUS_SATA,
  GUEST_BUS_NVME,
  GUEST_BUS_XEN,                /* xen-vbd (xvdX) */
  GUEST_BUS_VIRTIO,
  GUEST_BUS_FDC,                /* floppy controller */
};

enum guest_device {
  GUEST_DEV_DISK = 0,
  GUEST_DEV_CDROM,
  GUEST_DEV_FLOPPY,
};

struct guest_disk {
  enum guest_device device;
  char *path;                   /* absolute (relative names resolved
                                   against the config's directory);
                                   NULL: empty CD-ROM / no file */
  bool is_block;                /* path is a host block device */
  char *format;                 /* hint only ("vmdk", "raw", "qcow2",
                                   "vhd"...), NULL if unknown */
  enum guest_bus bus;
  char *target;                 /* source name: "scsi0:1", "xvda", "hdc" */
  int slot;                     /* position on the bus (IDE: 2*bus+unit),
                                   -1 if unknown */
  bool readonly;
  uint64_t size;                /* bytes; 0 = unknown (not opened here) */
  /* Archive members (OVF References/File, XenServer VDI): */
  char *ref;                    /* OVF ovf:href, XVA VDI "Ref:N"; or NULL */
  uint64_t ref_size;            /* OVF File ovf:size, 0 if absent */
  char *compression;            /* OVF ovf:compression ("gzip"), or NULL */
};
DEFINE_VECTOR_TYPE (guest_disk_vector, struct guest_disk);

enum guest_nic_model {
  GUEST_NIC_UNKNOWN = 0,        /* model_name says what it was */
  GUEST_NIC_E1000,
  GUEST_NIC_E1000E,
  GUEST_NIC_RTL8139,
  GUEST_NIC_PCNET,              /* VMware vlance / VirtualBox PCnet */
  GUEST_NIC_VMXNET,
  GUEST_NIC_VMXNET2,
  GUEST_NIC_VMXNET3,
  GUEST_NIC_VIRTIO,
  GUEST_NIC_NETFRONT,           /* Xen PV vif */
};

enum guest_net_type {
  GUEST_NET_NETWORK = 0,        /* named network / port group */
  GUEST_NET_BRIDGE,             /* host bridge */
};

struct guest_nic {
  char *mac;                    /* "00:0c:29:..." lower case, or NULL */
  enum guest_nic_model model;
  char *model_name;             /* the source's own word, or NULL */
  enum guest_net_type type;
  char *network;                /* network or bridge name, or NULL */
  char *label;                  /* VLAN / port group label, or NULL */
};
DEFINE_VECTOR_TYPE (guest_nic_vector, struct guest_nic);

struct guest_serial {
  int index;
  char *type;                   /* "pty", "file", "pipe", "device", ... */
  char *path;                   /* or NULL */
};
DEFINE_VECTOR_TYPE (guest_serial_vector, struct guest_serial);

enum guest_video {
  GUEST_VIDEO_NONE = 0,
  GUEST_VIDEO_VGA,
  GUEST_VIDEO_CIRRUS,
  GUEST_VIDEO_VMVGA,
  GUEST_VIDEO_QXL,
  GUEST_VIDEO_XEN,
  GUEST_VIDEO_VIRTIO,
  GUEST_VIDEO_OTHER,
};

enum guest_display {
  GUEST_DISPLAY_NONE = 0,
  GUEST_DISPLAY_VNC,
  GUEST_DISPLAY_SPICE,
  GUEST_DISPLAY_SDL,
};

/* Xen guest type (xl type=/builder=, XenServer HVM_boot_policy). */
enum guest_builder {
  GUEST_BUILDER_NONE = 0,
  GUEST_BUILDER_PV,
  GUEST_BUILDER_PVH,
  GUEST_BUILDER_HVM,
};

/* What the source says about the operating system.  Hints only: the
 * fixups inspect the disks and decide. */
struct guest_os {
  char *id;                     /* vmx guestOS, OVF vmw:osType, XenServer
                                   base template: "rhel6-64" */
  char *ovf_id;                 /* OVF OperatingSystemSection ovf:id */
  char *description;            /* OVF Description / free text */
  char *arch;                   /* "x86_64", "i686" or NULL */
  enum guest_builder builder;
  char *kernel, *ramdisk, *cmdline, *root, *bootloader, *bootloader_args;
};

struct guest {
  char *name;
  char *uuid;                   /* "xxxxxxxx-xxxx-..." lower case, or NULL */
  enum guest_origin origin;
  char *config_path;            /* as given; for messages */
  uint64_t memory;              /* bytes at start */
  uint64_t max_memory;          /* bytes; 0 = same as memory */
  unsigned vcpus;               /* at start; 0 = unknown */
  unsigned max_vcpus;           /* 0 = same as vcpus */
  unsigned sockets, cores, threads;     /* 0 = unknown */
  enum guest_firmware firmware;
  bool secure_boot;
  char *machine;                /* "vmx-07", "xenfv", "virtualbox-2.2" */
  bool localtime;               /* RTC in local time (Windows on Xen) */
  guest_disk_vector disks;      /* hard disks, in boot order */
  guest_disk_vector removables; /* CD-ROMs and floppies */
  guest_nic_vector nics;
  guest_serial_vector serials;
  enum guest_video video;
  enum guest_display display;
  char *sound;                  /* sound model ("es1370", "hdaudio"), NULL */
  struct guest_os os;
};

/* An empty guest (all zero, vectors empty).  Aborts on OOM. */
struct guest *guest_new (void);

/* Free everything; NULL-safe. */
void guest_free (struct guest *g);

/* Append an empty disk / NIC (zeroed, slot -1) and return it. */
struct guest_disk *guest_add_disk (guest_disk_vector *v);
struct guest_nic *guest_add_nic (struct guest *g);

/* Stable text dump for golden tests; paths printed as they are. */
void guest_print (const struct guest *g, FILE *fp);

/* The same as one JSON object (one line). */
void guest_print_json (const struct guest *g, FILE *fp);

/* Names used by the printers and the domain XML. */
const char *guest_origin_name (enum guest_origin o);
const char *guest_bus_name (enum guest_bus b);
const char *guest_nic_model_name (enum guest_nic_model m);
const char *guest_firmware_name (enum guest_firmware f);
const char *guest_video_name (enum guest_video v);
const char *guest_display_name (enum guest_display d);
const char *guest_builder_name (enum guest_builder b);

/* Store mac lower-cased in *dst (freeing the old value).  Returns -1
 * (no error set) unless mac is six ':'- or '-'-separated hex pairs. */
int guest_set_mac (char **dst, const char *mac);

/* Parse a UUID written with any mix of spaces and dashes ("56 4d ..
 * 3e-35 ea ...", "{...}", plain 32 hex) into canonical lower-case
 * 8-4-4-4-12 form (caller frees).  NULL (no error set) if malformed. */
char *guest_uuid_canonical (const char *s);

/* dir-relative path -> absolute: "dir/p" unless p starts with '/'.
 * dir NULL means the current directory.  Caller frees. */
char *guest_abs_path (const char *config_path, const char *p);

#endif /* V2K_GUEST_H */
