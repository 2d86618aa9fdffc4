/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: struct guest + struct guestcaps + output disks -> libvirt
 * domain XML (libxml2 xmlTextWriter; no libvirt API).
 *
 * Follows the libvirt domain XML format (libvirt.org/formatdomain.html,
 * validated in tests against domain.rng with virt-xml-validate) and the
 * device choices of virt-v2v output/create_libvirt_xml.ml: machine q35
 * (pc for guests too old for it, and whenever IDE is needed, which q35
 * lacks), UEFI through libvirt firmware auto-selection
 * (<os firmware='efi'> + the secure-boot feature), host-model CPU,
 * disks in source boot order with <boot order>, CD-ROMs kept as empty
 * drives (the source's ISO paths do not exist on the new host), NICs with
 * the source MAC on a mapped network or bridge, video, VNC or SPICE on
 * 127.0.0.1, serial console on a pty, virtio RNG, balloon and a
 * qemu-guest-agent channel, each switchable through guestcaps.
 *
 * Not done here: floppies (dropped; q35 has no floppy controller),
 * sound, USB and PCI passthrough, NUMA, CPU pinning.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "domxml.h"
#include "error.h"
#include "xalloc.h"

struct w {
  xmlTextWriterPtr x;
  int err;
};

static void
start (struct w *w, const char *name)
{
  if (xmlTextWriterStartElement (w->x, BAD_CAST name) < 0)
    w->err = 1;
}

static void
end (struct w *w)
{
  if (xmlTextWriterEndElement (w->x) < 0)
    w->err = 1;
}

static void attr (struct w *w, const char *name, const char *fmt, ...)
  __attribute__((format (printf, 3, 4)));
static void
attr (struct w *w, const char *name, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  if (xmlTextWriterWriteVFormatAttribute (w->x, BAD_CAST name, fmt, ap) < 0)
    w->err = 1;
  va_end (ap);
}

static void elem (struct w *w, const char *name, const char *fmt, ...)
  __attribute__((format (printf, 3, 4)));
static void
elem (struct w *w, const char *name, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  if (xmlTextWriterWriteVFormatElement (w->x, BAD_CAST name, fmt, ap) < 0)
    w->err = 1;
  va_end (ap);
}

/* <name attr='value'/> */
static void
empty1 (struct w *w, const char *name, const char *a, const char *v)
{
  start (w, name);
  if (a)
    attr (w, a, "%s", v);
  end (w);
}

int
domxml_parse_netmap (char *arg, bool bridge, struct domxml_netmap *m)
{
  char *colon = strrchr (arg, ':');

  m->bridge = bridge;
  if (colon) {
    *colon = '\0';
    m->in = arg;
    m->out = colon + 1;
  }
  else {
    m->in = NULL;
    m->out = arg;
  }
  if (!*m->out || (m->in && !*m->in)) {
    set_error (EINVAL, "--%s: expected 'in:out' or 'out'",
               bridge ? "bridge" : "network");
    error_set_kind (V2K_ERR_USAGE);
    return -1;
  }
  return 0;
}

/* "vda", ..., "vdz", "vdaa" ... (virt-v2v drive_name). */
void
domxml_drive_name (char *buf, size_t len, const char *prefix, size_t i)
{
  char suffix[8];
  size_t n = 0;

  for (i = i + 1; i > 0 && n < sizeof suffix - 1; i = (i - 1) / 26)
    suffix[n++] = 'a' + (i - 1) % 26;
  snprintf (buf, len, "%s", prefix);
  for (size_t k = strlen (buf); n > 0 && k < len - 1; ++k) {
    buf[k] = suffix[--n];
    buf[k + 1] = '\0';
  }
}

static bool
needs_pc (const struct guestcaps *caps)
{
  return caps->machine == CAPS_MACHINE_PC ||
    caps->block_bus == CAPS_BLOCK_IDE;
}

static void
write_os (struct w *w, const struct guest *g, const struct guestcaps *caps)
{
  start (w, "os");
  if (caps->firmware == CAPS_FW_UEFI)
    attr (w, "firmware", "efi");
  start (w, "type");
  attr (w, "arch", "%s", caps->arch ? caps->arch : "x86_64");
  attr (w, "machine", "%s", needs_pc (caps) ? "pc" : "q35");
  if (xmlTextWriterWriteString (w->x, BAD_CAST "hvm") < 0)
    w->err = 1;
  end (w);
  if (caps->firmware == CAPS_FW_UEFI) {
    /* libvirt picks an OVMF build with these features: secure boot on
     * needs the Microsoft keys enrolled too, or it does nothing. */
    start (w, "firmware");
    if (caps->secure_boot) {
      start (w, "feature");
      attr (w, "enabled", "yes");
      attr (w, "name", "enrolled-keys");
      end (w);
    }
    start (w, "feature");
    attr (w, "enabled", caps->secure_boot ? "yes" : "no");
    attr (w, "name", "secure-boot");
    end (w);
    end (w);
  }
  end (w);
}

static void
write_features (struct w *w, const struct guestcaps *caps)
{
  start (w, "features");
  empty1 (w, "acpi", NULL, NULL);
  empty1 (w, "apic", NULL, NULL);
  if (caps->firmware == CAPS_FW_UEFI && caps->secure_boot)
    empty1 (w, "smm", "state", "on");
  if (caps->hyperv) {
    start (w, "hyperv");
    attr (w, "mode", "custom");
    empty1 (w, "relaxed", "state", "on");
    empty1 (w, "vapic", "state", "on");
    start (w, "spinlocks");
    attr (w, "state", "on");
    attr (w, "retries", "8191");
    end (w);
    end (w);
  }
  end (w);
}

static void
write_cpu (struct w *w, const struct guest *g, unsigned maxv)
{
  start (w, "cpu");
  attr (w, "mode", "host-model");
  if (g->sockets && g->cores && g->threads &&
      (uint64_t) g->sockets * g->cores * g->threads == maxv) {
    start (w, "topology");
    attr (w, "sockets", "%u", g->sockets);
    attr (w, "dies", "1");
    attr (w, "cores", "%u", g->cores);
    attr (w, "threads", "%u", g->threads);
    end (w);
  }
  end (w);
}

static void
write_head (struct w *w, const struct guest *g, const struct guestcaps *caps)
{
  uint64_t cur = (g->memory + 1023) / 1024;
  uint64_t max = g->max_memory > g->memory ? (g->max_memory + 1023) / 1024
    : cur;
  unsigned vcpus = g->vcpus ? g->vcpus : 1;
  unsigned maxv = g->max_vcpus > vcpus ? g->max_vcpus : vcpus;

  elem (w, "name", "%s", g->name ? g->name : "guest");
  if (g->uuid)
    elem (w, "uuid", "%s", g->uuid);
  start (w, "memory");
  attr (w, "unit", "KiB");
  if (xmlTextWriterWriteFormatString (w->x, "%" PRIu64, max) < 0)
    w->err = 1;
  end (w);
  start (w, "currentMemory");
  attr (w, "unit", "KiB");
  if (xmlTextWriterWriteFormatString (w->x, "%" PRIu64, cur) < 0)
    w->err = 1;
  end (w);
  start (w, "vcpu");
  attr (w, "placement", "static");
  if (maxv != vcpus)
    attr (w, "current", "%u", vcpus);
  if (xmlTextWriterWriteFormatString (w->x, "%u", maxv) < 0)
    w->err = 1;
  end (w);
  write_os (w, g, caps);
  write_features (w, caps);
  write_cpu (w, g, maxv);
  start (w, "clock");
  attr (w, "offset", caps->rtc_utc ? "utc" : "localtime");
  if (caps->hyperv) {
    start (w, "timer");
    attr (w, "name", "hypervclock");
    attr (w, "present", "yes");
    end (w);
  }
  end (w);
  elem (w, "on_poweroff", "destroy");
  elem (w, "on_reboot", "restart");
  elem (w, "on_crash", "restart");
}

/* Target prefix and bus attribute for caps->block_bus. */
static void
block_bus (const struct guestcaps *caps, const char **prefix, const char **bus)
{
  switch (caps->block_bus) {
  case CAPS_BLOCK_VIRTIO_SCSI: *prefix = "sd"; *bus = "scsi"; break;
  case CAPS_BLOCK_SATA: *prefix = "sd"; *bus = "sata"; break;
  case CAPS_BLOCK_IDE: *prefix = "hd"; *bus = "ide"; break;
  default: *prefix = "vd"; *bus = "virtio"; break;
  }
}

static void
write_disks (struct w *w, const struct guest *g, const struct guestcaps *caps,
             const struct domxml_target *t, size_t n)
{
  const char *prefix, *bus;
  char dev[16];
  size_t i, cd = 0;
  /* CD-ROMs go on SATA (q35) or IDE (pc), after the disks when they
   * share the bus. */
  bool cd_ide = needs_pc (caps);
  size_t cd_first = (caps->block_bus == CAPS_BLOCK_IDE && cd_ide) ||
    (caps->block_bus == CAPS_BLOCK_SATA && !cd_ide) ? n : 0;

  block_bus (caps, &prefix, &bus);
  for (i = 0; i < n; ++i) {
    start (w, "disk");
    attr (w, "type", "file");
    attr (w, "device", "disk");
    start (w, "driver");
    attr (w, "name", "qemu");
    attr (w, "type", "%s", t[i].format ? t[i].format : "raw");
    end (w);
    empty1 (w, "source", "file", t[i].path);
    domxml_drive_name (dev, sizeof dev, prefix, i);
    start (w, "target");
    attr (w, "dev", "%s", dev);
    attr (w, "bus", "%s", bus);
    end (w);
    start (w, "boot");
    attr (w, "order", "%zu", i + 1);
    end (w);
    end (w);
  }
  for (i = 0; i < g->removables.len; ++i) {
    if (g->removables.ptr[i].device != GUEST_DEV_CDROM)
      continue;
    start (w, "disk");
    attr (w, "type", "file");
    attr (w, "device", "cdrom");
    start (w, "driver");
    attr (w, "name", "qemu");
    attr (w, "type", "raw");
    end (w);
    domxml_drive_name (dev, sizeof dev, cd_ide ? "hd" : "sd", cd_first + cd++);
    start (w, "target");
    attr (w, "dev", "%s", dev);
    attr (w, "bus", cd_ide ? "ide" : "sata");
    end (w);
    empty1 (w, "readonly", NULL, NULL);
    end (w);
  }
  if (caps->block_bus == CAPS_BLOCK_VIRTIO_SCSI) {
    start (w, "controller");
    attr (w, "type", "scsi");
    attr (w, "index", "0");
    attr (w, "model", "virtio-scsi");
    end (w);
  }
}

/* The map for a NIC on source network `net`, or NULL (default). */
static const struct domxml_netmap *
find_map (const struct domxml_options *o, const char *net)
{
  for (size_t i = 0; i < o->nnetmaps; ++i)
    if (o->netmaps[i].in && net && strcmp (o->netmaps[i].in, net) == 0)
      return &o->netmaps[i];
  for (size_t i = 0; i < o->nnetmaps; ++i)
    if (!o->netmaps[i].in)
      return &o->netmaps[i];
  return NULL;
}

static void
write_nics (struct w *w, const struct guest *g, const struct guestcaps *caps,
            const struct domxml_options *o)
{
  static const char *const models[] = {
    [CAPS_NET_VIRTIO] = "virtio", [CAPS_NET_E1000E] = "e1000e",
    [CAPS_NET_E1000] = "e1000", [CAPS_NET_RTL8139] = "rtl8139",
  };

  for (size_t i = 0; i < g->nics.len; ++i) {
    const struct guest_nic *nic = &g->nics.ptr[i];
    const struct domxml_netmap *m = find_map (o, nic->network);
    bool bridge = m && m->bridge;

    start (w, "interface");
    attr (w, "type", bridge ? "bridge" : "network");
    if (nic->mac)
      empty1 (w, "mac", "address", nic->mac);
    empty1 (w, "source", bridge ? "bridge" : "network",
            m ? m->out : "default");
    empty1 (w, "model", "type", models[caps->net_model]);
    end (w);
  }
}

static void
write_console (struct w *w, const struct guestcaps *caps,
               const struct domxml_options *o)
{
  const char *gr = o->graphics ? o->graphics : "vnc";
  static const char *const videos[] = {
    [CAPS_VIDEO_VIRTIO] = "virtio", [CAPS_VIDEO_VGA] = "vga",
    [CAPS_VIDEO_QXL] = "qxl",
  };

  start (w, "serial");
  attr (w, "type", "pty");
  empty1 (w, "target", "port", "0");
  end (w);
  start (w, "console");
  attr (w, "type", "pty");
  start (w, "target");
  attr (w, "type", "serial");
  attr (w, "port", "0");
  end (w);
  end (w);
  if (strcmp (gr, "none") != 0) {
    start (w, "input");
    attr (w, "type", "tablet");
    attr (w, "bus", "usb");
    end (w);
    start (w, "graphics");
    attr (w, "type", "%s", gr);
    attr (w, "autoport", "yes");
    start (w, "listen");
    attr (w, "type", "address");
    attr (w, "address", "127.0.0.1");
    end (w);
    end (w);
  }
  start (w, "video");
  empty1 (w, "model", "type", videos[caps->video]);
  end (w);
}

static void
write_extras (struct w *w, const struct guestcaps *caps)
{
  if (caps->virtio_rng) {
    start (w, "rng");
    attr (w, "model", "virtio");
    start (w, "backend");
    attr (w, "model", "random");
    if (xmlTextWriterWriteString (w->x, BAD_CAST "/dev/urandom") < 0)
      w->err = 1;
    end (w);
    end (w);
  }
  if (caps->guest_agent) {
    start (w, "channel");
    attr (w, "type", "unix");
    start (w, "target");
    attr (w, "type", "virtio");
    attr (w, "name", "org.qemu.guest_agent.0");
    end (w);
    end (w);
  }
  empty1 (w, "memballoon", "model", caps->virtio_balloon ? "virtio" : "none");
}

char *
domxml_build (const struct guest *g, const struct guestcaps *caps,
              const struct domxml_target *targets, size_t ntargets,
              const struct domxml_options *opts)
{
  static const struct domxml_options noopts;
  xmlBufferPtr buf;
  struct w w = { 0 };
  char *ret = NULL;

  if (ntargets != g->disks.len) {
    set_error (EINVAL, "%zu output disks for a guest with %zu disks",
               ntargets, g->disks.len);
    return NULL;
  }
  if (!opts)
    opts = &noopts;
  buf = xmlBufferCreate ();
  if (!buf || !(w.x = xmlNewTextWriterMemory (buf, 0))) {
    set_error (ENOMEM, "cannot create an XML writer");
    xmlBufferFree (buf);
    return NULL;
  }
  xmlTextWriterSetIndent (w.x, 1);
  xmlTextWriterSetIndentString (w.x, BAD_CAST "  ");
  start (&w, "domain");
  attr (&w, "type", "%s", opts->domain_type ? opts->domain_type : "kvm");
  write_head (&w, g, caps);
  start (&w, "devices");
  write_disks (&w, g, caps, targets, ntargets);
  write_nics (&w, g, caps, opts);
  write_console (&w, caps, opts);
  write_extras (&w, caps);
  end (&w);
  end (&w);
  if (xmlTextWriterEndDocument (w.x) < 0)
    w.err = 1;
  xmlFreeTextWriter (w.x);
  if (w.err)
    set_error (EINVAL, "cannot write the domain XML for '%s'", g->name);
  else
    ret = xasprintf ("%s\n", (const char *) xmlBufferContent (buf));
  xmlBufferFree (buf);
  return ret;
}
