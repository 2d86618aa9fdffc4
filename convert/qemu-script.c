/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the -o qemu boot script (qemu-script.h).
 *
 * Devices follow what the domain XML would give libvirt (domxml.c) for
 * the same guest and capabilities, in qemu's own options (qemu-system(1),
 * docs/system/invocation): q35 or pc, OVMF for UEFI (a copy of the
 * variable store next to the disks, made on first run), virtio-blk or
 * SATA/IDE disks, NICs with their MACs on user-mode networking, serial
 * console on stdio.  Values from the source are quoted for the shell.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-script.h"
#include "xalloc.h"

#define OVMF_CODE "/usr/share/OVMF/OVMF_CODE_4M.fd"
#define OVMF_CODE_SB "/usr/share/OVMF/OVMF_CODE_4M.ms.fd"
#define OVMF_VARS "/usr/share/OVMF/OVMF_VARS_4M.fd"
#define OVMF_VARS_SB "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"

/* s in single quotes for sh. */
static void
sh_quote (FILE *fp, const char *s)
{
  fputc ('\'', fp);
  for (; *s; ++s) {
    if (*s == '\'')
      fputs ("'\\''", fp);
    else
      fputc (*s, fp);
  }
  fputc ('\'', fp);
}

/* qemu option values separate with commas: double them. */
static void
sh_quote_opt (FILE *fp, const char *prefix, const char *value,
              const char *suffix)
{
  size_t len = strlen (value);
  char *buf = xmalloc (2 * len + strlen (prefix) + strlen (suffix) + 1);
  char *p = stpcpy (buf, prefix);

  for (const char *v = value; *v; ++v) {
    *p++ = *v;
    if (*v == ',')
      *p++ = ',';
  }
  strcpy (p, suffix);
  sh_quote (fp, buf);
  free (buf);
}

static void
disks (FILE *fp, const struct guestcaps *caps,
       const struct domxml_target *t, size_t n)
{
  if (caps->block_bus == CAPS_BLOCK_VIRTIO_SCSI)
    fprintf (fp, "  -device virtio-scsi-pci,id=scsi0 \\\n");
  for (size_t i = 0; i < n; ++i) {
    fprintf (fp, "  -drive ");
    sh_quote_opt (fp, "file=", t[i].path, "");
    fprintf (fp, ",format=%s,if=none,id=disk%zu,discard=unmap \\\n",
             t[i].format, i);
    switch (caps->block_bus) {
    case CAPS_BLOCK_VIRTIO_BLK:
      fprintf (fp, "  -device virtio-blk-pci,drive=disk%zu%s \\\n", i,
               i == 0 ? ",bootindex=1" : "");
      break;
    case CAPS_BLOCK_VIRTIO_SCSI:
      fprintf (fp, "  -device scsi-hd,bus=scsi0.0,drive=disk%zu%s \\\n", i,
               i == 0 ? ",bootindex=1" : "");
      break;
    case CAPS_BLOCK_SATA:
    case CAPS_BLOCK_IDE:
      /* q35's AHCI has ports ide.0-ide.5; pc's IDE ide.0/ide.1 x 2. */
      if (caps->machine == CAPS_MACHINE_Q35)
        fprintf (fp, "  -device ide-hd,bus=ide.%zu,drive=disk%zu%s \\\n",
                 i, i, i == 0 ? ",bootindex=1" : "");
      else
        fprintf (fp, "  -device ide-hd,bus=ide.%zu,unit=%zu,drive=disk%zu%s"
                 " \\\n", i / 2, i % 2, i, i == 0 ? ",bootindex=1" : "");
      break;
    }
  }
}

static const char *
nic_device (enum caps_net_model m)
{
  return m == CAPS_NET_VIRTIO ? "virtio-net-pci" :
    m == CAPS_NET_E1000E ? "e1000e" : m == CAPS_NET_E1000 ? "e1000" :
    "rtl8139";
}

char *
qemu_script (const char *name, const struct guest *g,
             const struct guestcaps *caps,
             const struct domxml_target *t, size_t n)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *fp = open_memstream (&buf, &len);
  bool uefi = caps->firmware == CAPS_FW_UEFI;
  bool i686 = caps->arch && strcmp (caps->arch, "i686") == 0;
  uint64_t mib = g->memory ? g->memory >> 20 : 1024;

  fprintf (fp, "#!/bin/sh -\n"
           "# Boot the guest converted by v2kvm with qemu.\n"
           "# ACCEL=tcg %s.sh where KVM does not work; extra arguments go "
           "to qemu.\n"
           "set -e\n"
           "cd \"$(dirname \"$0\")\"\n", name);
  if (uefi) {
    fprintf (fp, "vars=");
    sh_quote (fp, name);
    fprintf (fp, "'-VARS.fd'\n"
             "[ -f \"$vars\" ] || cp %s \"$vars\"\n",
             caps->secure_boot ? OVMF_VARS_SB : OVMF_VARS);
  }
  fprintf (fp, "exec qemu-system-%s \\\n  -name ", i686 ? "i386" : "x86_64");
  sh_quote_opt (fp, "", name, "");
  fprintf (fp, " \\\n  -machine %s,accel=${ACCEL:-kvm}%s \\\n"
           "  -cpu max -m %" PRIu64 " -smp %u \\\n",
           caps->machine == CAPS_MACHINE_Q35 ? "q35" : "pc",
           caps->secure_boot ? ",smm=on" : "", mib,
           g->vcpus ? g->vcpus : 1);
  if (uefi) {
    fprintf (fp, "  -drive if=pflash,format=raw,readonly=on,file=%s \\\n"
             "  -drive if=pflash,format=raw,file=\"$vars\" \\\n",
             caps->secure_boot ? OVMF_CODE_SB : OVMF_CODE);
    if (caps->secure_boot)
      fprintf (fp, "  -global driver=cfi.pflash01,property=secure,value=on"
               " \\\n");
  }
  if (!caps->rtc_utc)
    fprintf (fp, "  -rtc base=localtime \\\n");
  disks (fp, caps, t, n);
  for (size_t i = 0; i < g->nics.len; ++i) {
    const char *mac = g->nics.ptr[i].mac;
    fprintf (fp, "  -netdev user,id=net%zu -device %s,netdev=net%zu%s%s "
             "\\\n", i, nic_device (caps->net_model), i, mac ? ",mac=" : "",
             mac ? mac : "");
  }
  if (caps->virtio_rng)
    fprintf (fp, "  -device virtio-rng-pci \\\n");
  if (caps->virtio_balloon)
    fprintf (fp, "  -device virtio-balloon-pci \\\n");
  fprintf (fp, "  -device %s \\\n  -serial mon:stdio \\\n  \"$@\"\n",
           caps->video == CAPS_VIDEO_QXL ? "qxl-vga" :
           caps->video == CAPS_VIDEO_VGA ? "VGA" : "virtio-vga");
  fclose (fp);
  return buf;
}
