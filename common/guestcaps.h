/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: struct guestcaps, what the converted guest can run on
 * (virt-v2v convert/convert_types.mli guestcaps).  guestcaps_init()
 * fills defaults from the source description; the guest fixups
 * (guest-fixups/) then lower them when a driver could not be installed
 * (a fixup that could not install virtio says so here, it does not
 * fail); output/domxml.c turns them into devices.
 */
#ifndef V2K_GUESTCAPS_H
#define V2K_GUESTCAPS_H

#include <stdbool.h>

struct guest;

enum caps_block_bus {
  CAPS_BLOCK_VIRTIO_BLK = 0,    /* default */
  CAPS_BLOCK_VIRTIO_SCSI,
  CAPS_BLOCK_SATA,
  CAPS_BLOCK_IDE,
};

enum caps_net_model {
  CAPS_NET_VIRTIO = 0,          /* default */
  CAPS_NET_E1000E,
  CAPS_NET_E1000,
  CAPS_NET_RTL8139,
};

enum caps_machine {
  CAPS_MACHINE_Q35 = 0,         /* default */
  CAPS_MACHINE_PC,              /* i440fx: guests too old for q35 */
};

enum caps_firmware {
  CAPS_FW_BIOS = 0,
  CAPS_FW_UEFI,
};

enum caps_video {
  CAPS_VIDEO_VIRTIO = 0,        /* default */
  CAPS_VIDEO_VGA,
  CAPS_VIDEO_QXL,
};

struct guestcaps {
  enum caps_block_bus block_bus;
  enum caps_net_model net_model;
  enum caps_machine machine;
  enum caps_firmware firmware;
  bool secure_boot;
  enum caps_video video;
  bool virtio_rng;
  bool virtio_balloon;
  bool rtc_utc;                 /* false: RTC in local time (Windows) */
  bool hyperv;                  /* Hyper-V enlightenments (Windows) */
  bool guest_agent;             /* qemu-guest-agent channel */
  const char *arch;             /* "x86_64" (default) or "i686" */
};

/* Defaults for g: virtio everywhere, q35 (pc when the OS hint names a
 * guest too old for q35: RHEL/CentOS <= 5, Windows XP/2003 and older),
 * firmware and secure boot from the source (unknown -> BIOS), RTC in
 * local time when the source says so or the OS hint is Windows, Hyper-V
 * enlightenments for Windows, RNG, balloon and agent channel on. */
void guestcaps_init (struct guestcaps *caps, const struct guest *g);

/* True if the OS hint says the guest is too old for q35. */
bool guestcaps_os_is_old (const struct guest *g);

/* True if the OS hint names Windows. */
bool guestcaps_os_is_windows (const struct guest *g);

#endif /* V2K_GUESTCAPS_H */
