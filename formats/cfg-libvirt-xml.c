/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: libvirt domain XML reader, for Xen guests exported with
 * `virsh dumpxml` on the Xen host (docs/formats.md §8.5), read with libxml2
 * through cfg_xml_parse (no network, no DTD, no entities).
 *
 * Follows libvirt's domain XML format (libvirt.org/formatdomain.html)
 * and what libvirt's libxl/xen drivers print (tests/xlconfigdata,
 * tests/xmconfigdata): <domain type='xen'>, <os><type> linux/xen (PV),
 * xenpvh (PVH) or hvm, <loader> (hvmloader, or pflash/OVMF for UEFI),
 * <kernel>/<initrd>/<cmdline>, <bootloader>; disks with driver
 * phy/file/tap/qemu, targets xvdX/hdX/sdX; interfaces with mac, bridge
 * or network, script and model; graphics, video, serial, sound.
 * Any other domain type (kvm, vmware) is read the same way.
 *
 * Not done: network disks beyond recording their name, hostdevs,
 * NUMA/cputune, <metadata>.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg-xml.h"
#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

#define child(n, name) cfg_xml_child ((n), (name), NULL)
#define prop(n, name) cfg_xml_prop ((n), (name), NULL)

/* Size of <memory>-like element el: 0 = absent; -1 + error if bad. */
static int
get_size (xmlNodePtr dom, const char *el, const char *path, uint64_t *out)
{
  xmlNodePtr n = child (dom, el);
  CLEANUP_FREE char *num = NULL, *unit = NULL;

  *out = 0;
  if (!n)
    return 0;
  num = cfg_xml_text (n);
  unit = prop (n, "unit");
  if (cfg_xml_size (num, unit, "KiB", out) == -1) {
    set_error (EINVAL, "%s:%d: /domain/%s: bad size '%s %s'", path,
               (int) xmlGetLineNo (n), el, num, unit ? unit : "KiB");
    return -1;
  }
  if (*out > CFG_MAX_MEMORY) {
    set_error (EINVAL, "%s:%d: /domain/%s: memory of %" PRIu64 " bytes is "
               "more than 16 TiB", path, (int) xmlGetLineNo (n), el, *out);
    return -1;
  }
  return 0;
}

static int
set_memory_cpus (xmlNodePtr dom, const char *path, struct guest *g)
{
  uint64_t mem, cur;
  xmlNodePtr v = child (dom, "vcpu");

  if (get_size (dom, "memory", path, &mem) == -1 ||
      get_size (dom, "currentMemory", path, &cur) == -1)
    return -1;
  g->memory = cur ? cur : mem;
  if (mem > g->memory)
    g->max_memory = mem;
  g->vcpus = 1;
  if (v) {
    CLEANUP_FREE char *t = cfg_xml_text (v);
    CLEANUP_FREE char *c = prop (v, "current");
    uint64_t n, cn = 0;
    if (cfg_parse_u64 (t, &n) == -1 || n == 0 || n > CFG_MAX_VCPUS ||
        (c && (cfg_parse_u64 (c, &cn) == -1 || cn == 0 || cn > n))) {
      set_error (EINVAL, "%s:%d: /domain/vcpu: bad vCPU count '%s'", path,
                 (int) xmlGetLineNo (v), t);
      return -1;
    }
    g->vcpus = cn ? cn : n;
    if (cn && cn < n)
      g->max_vcpus = n;
  }
  if ((v = child (child (dom, "cpu"), "topology"))) {
    CLEANUP_FREE char *s = prop (v, "sockets");
    CLEANUP_FREE char *c = prop (v, "cores");
    CLEANUP_FREE char *t = prop (v, "threads");
    g->sockets = s ? atoi (s) : 0;
    g->cores = c ? atoi (c) : 0;
    g->threads = t ? atoi (t) : 0;
  }
  return 0;
}

static void
set_os (xmlNodePtr dom, struct guest *g)
{
  xmlNodePtr os = child (dom, "os");
  CLEANUP_FREE char *type = cfg_xml_text (child (os, "type"));
  CLEANUP_FREE char *loader = cfg_xml_text (child (os, "loader"));
  CLEANUP_FREE char *ltype = prop (child (os, "loader"), "type");
  CLEANUP_FREE char *fw = prop (os, "firmware");
  CLEANUP_FREE char *dtype = prop (dom, "type");
  CLEANUP_FREE char *offset = prop (child (dom, "clock"), "offset");
  bool xen = dtype && strcmp (dtype, "xen") == 0;
  xmlNodePtr sb;

  g->os.arch = prop (child (os, "type"), "arch");
  g->machine = prop (child (os, "type"), "machine");
  if (strcmp (type, "hvm") == 0)
    g->os.builder = GUEST_BUILDER_HVM;
  else if (strcmp (type, "xenpvh") == 0 ||
           cfg_xml_child (child (dom, "features"), "pvh", NULL))
    g->os.builder = GUEST_BUILDER_PVH;
  else
    g->os.builder = GUEST_BUILDER_PV;
  g->origin = !xen ? GUEST_ORIGIN_UNKNOWN
    : g->os.builder == GUEST_BUILDER_HVM ? GUEST_ORIGIN_XEN_HVM
    : g->os.builder == GUEST_BUILDER_PVH ? GUEST_ORIGIN_XEN_PVH
    : GUEST_ORIGIN_XEN_PV;
  if ((fw && strcmp (fw, "efi") == 0) ||
      (ltype && strcmp (ltype, "pflash") == 0) ||
      strcasestr (loader, "ovmf"))
    g->firmware = GUEST_FW_UEFI;
  else
    g->firmware = g->os.builder == GUEST_BUILDER_HVM ? GUEST_FW_BIOS
      : GUEST_FW_UNKNOWN;
  for (sb = child (child (os, "firmware"), "feature"); sb;
       sb = cfg_xml_next (sb, "feature", NULL)) {
    CLEANUP_FREE char *name = prop (sb, "name");
    CLEANUP_FREE char *en = prop (sb, "enabled");
    if (name && en && strcmp (name, "secure-boot") == 0)
      g->secure_boot = strcmp (en, "yes") == 0;
  }
#define TEXT(field, el) \
  if (child (os, el)) g->os.field = cfg_xml_text (child (os, el))
  TEXT (kernel, "kernel");
  TEXT (ramdisk, "initrd");
  TEXT (cmdline, "cmdline");
#undef TEXT
  if (child (dom, "bootloader"))
    g->os.bootloader = cfg_xml_text (child (dom, "bootloader"));
  if (child (dom, "bootloader_args"))
    g->os.bootloader_args = cfg_xml_text (child (dom, "bootloader_args"));
  g->localtime = offset && strcmp (offset, "localtime") == 0;
}

static enum guest_bus
bus_of (const char *bus, const char *dev)
{
  static const char *const names[] = {
    [GUEST_BUS_IDE] = "ide", [GUEST_BUS_SCSI] = "scsi",
    [GUEST_BUS_SATA] = "sata", [GUEST_BUS_NVME] = "nvme",
    [GUEST_BUS_XEN] = "xen", [GUEST_BUS_VIRTIO] = "virtio",
    [GUEST_BUS_FDC] = "fdc",
  };
  for (size_t i = 1; bus && i < sizeof names / sizeof names[0]; ++i)
    if (strcmp (bus, names[i]) == 0)
      return i;
  if (dev && strncmp (dev, "hd", 2) == 0) return GUEST_BUS_IDE;
  if (dev && strncmp (dev, "sd", 2) == 0) return GUEST_BUS_SCSI;
  if (dev && strncmp (dev, "xvd", 3) == 0) return GUEST_BUS_XEN;
  if (dev && strncmp (dev, "vd", 2) == 0) return GUEST_BUS_VIRTIO;
  return GUEST_BUS_UNKNOWN;
}

static void
add_disk (xmlNodePtr d, const char *path, struct guest *g)
{
  CLEANUP_FREE char *device = prop (d, "device");
  CLEANUP_FREE char *type = prop (d, "type");
  CLEANUP_FREE char *bus = prop (child (d, "target"), "bus");
  xmlNodePtr src = child (d, "source");
  enum guest_device kind = GUEST_DEV_DISK;
  struct guest_disk *gd;
  char *file;

  if (device && strcmp (device, "cdrom") == 0)
    kind = GUEST_DEV_CDROM;
  else if (device && strcmp (device, "floppy") == 0)
    kind = GUEST_DEV_FLOPPY;
  gd = guest_add_disk (kind == GUEST_DEV_DISK ? &g->disks : &g->removables);
  gd->device = kind;
  gd->target = prop (child (d, "target"), "dev");
  gd->bus = bus_of (bus, gd->target);
  gd->readonly = kind == GUEST_DEV_CDROM || child (d, "readonly") != NULL;
  gd->format = prop (child (d, "driver"), "type");
  if (gd->format && strcmp (gd->format, "aio") == 0) {
    free (gd->format);
    gd->format = xstrdup ("raw");
  }
  gd->is_block = type && strcmp (type, "block") == 0;
  file = prop (src, "file") ?: prop (src, "dev");
  if (file) {
    gd->path = gd->is_block ? file : guest_abs_path (path, file);
    if (!gd->is_block)
      free (file);
  }
  else if ((file = prop (src, "name"))) {      /* network disk */
    CLEANUP_FREE char *proto = prop (src, "protocol");
    warning ("network-disk", "%s: disk '%s' is a %s network disk; v2kvm cannot read it",
             path, file, proto ? proto : "network");
    gd->path = xasprintf ("%s:%s", proto ? proto : "network", file);
    free (file);
  }
}

static int
add_nic (xmlNodePtr i, const char *path, struct guest *g)
{
  static const struct { const char *n; enum guest_nic_model m; } map[] = {
    { "e1000", GUEST_NIC_E1000 }, { "e1000e", GUEST_NIC_E1000E },
    { "rtl8139", GUEST_NIC_RTL8139 }, { "netfront", GUEST_NIC_NETFRONT },
    { "virtio", GUEST_NIC_VIRTIO }, { "vmxnet3", GUEST_NIC_VMXNET3 },
    { "pcnet", GUEST_NIC_PCNET }, { "vlance", GUEST_NIC_PCNET },
  };
  CLEANUP_FREE char *type = prop (i, "type");
  CLEANUP_FREE char *mac = prop (child (i, "mac"), "address");
  xmlNodePtr src = child (i, "source");
  struct guest_nic *nic = guest_add_nic (g);

  if (mac && guest_set_mac (&nic->mac, mac) == -1) {
    set_error (EINVAL, "%s:%d: interface: invalid MAC address '%s'", path,
               (int) xmlGetLineNo (child (i, "mac")), mac);
    return -1;
  }
  nic->model_name = prop (child (i, "model"), "type");
  if (nic->model_name) {
    for (size_t k = 0; k < sizeof map / sizeof map[0]; ++k)
      if (strcmp (nic->model_name, map[k].n) == 0)
        nic->model = map[k].m;
  }
  else if (g->os.builder != GUEST_BUILDER_HVM && g->origin != GUEST_ORIGIN_UNKNOWN)
    nic->model = GUEST_NIC_NETFRONT;            /* Xen PV default */
  nic->network = prop (src, "bridge");
  nic->type = GUEST_NET_BRIDGE;
  if (!nic->network && (nic->network = prop (src, "network")))
    nic->type = GUEST_NET_NETWORK;
  if (type && strcmp (type, "network") == 0)
    nic->type = GUEST_NET_NETWORK;
  if (child (i, "vlan"))
    nic->label = prop (child (child (i, "vlan"), "tag"), "id");
  return 0;
}

static void
set_console (xmlNodePtr devs, struct guest *g)
{
  CLEANUP_FREE char *gr = prop (child (devs, "graphics"), "type");
  CLEANUP_FREE char *video = prop (child (child (devs, "video"), "model"),
                                   "type");
  static const char *const videos[] = {
    [GUEST_VIDEO_VGA] = "vga", [GUEST_VIDEO_CIRRUS] = "cirrus",
    [GUEST_VIDEO_VMVGA] = "vmvga", [GUEST_VIDEO_QXL] = "qxl",
    [GUEST_VIDEO_XEN] = "xen", [GUEST_VIDEO_VIRTIO] = "virtio",
  };

  if (gr)
    g->display = strcmp (gr, "vnc") == 0 ? GUEST_DISPLAY_VNC
      : strcmp (gr, "spice") == 0 ? GUEST_DISPLAY_SPICE
      : strcmp (gr, "sdl") == 0 ? GUEST_DISPLAY_SDL : GUEST_DISPLAY_NONE;
  if (video) {
    g->video = GUEST_VIDEO_OTHER;
    for (size_t i = 1; i < sizeof videos / sizeof videos[0]; ++i)
      if (strcmp (video, videos[i]) == 0)
        g->video = i;
  }
  if (child (devs, "sound"))
    g->sound = prop (child (devs, "sound"), "model");
  for (xmlNodePtr s = child (devs, "serial"); s;
       s = cfg_xml_next (s, "serial", NULL)) {
    struct guest_serial ser = { .index = g->serials.len };
    ser.type = prop (s, "type");
    ser.path = prop (child (s, "source"), "path");
    guest_serial_vector_append (&g->serials, ser);
  }
}

static int
to_guest (xmlNodePtr dom, const char *path, struct guest *g)
{
  xmlNodePtr devs = child (dom, "devices");
  CLEANUP_FREE char *uuid = NULL;

  g->name = cfg_xml_text (child (dom, "name"));
  if (!*g->name) {
    set_error (EINVAL, "%s: /domain/name is missing", path);
    return -1;
  }
  uuid = cfg_xml_text (child (dom, "uuid"));
  if (*uuid && !(g->uuid = guest_uuid_canonical (uuid))) {
    set_error (EINVAL, "%s:%d: /domain/uuid: '%s' is not a UUID", path,
               (int) xmlGetLineNo (child (dom, "uuid")), uuid);
    return -1;
  }
  if (set_memory_cpus (dom, path, g) == -1)
    return -1;
  set_os (dom, g);
  for (xmlNodePtr d = child (devs, "disk"); d; d = cfg_xml_next (d, "disk", NULL)) {
    if (g->disks.len + g->removables.len >= CFG_MAX_DEVICES) {
      set_error (EINVAL, "%s: more than %d disks", path, CFG_MAX_DEVICES);
      return -1;
    }
    add_disk (d, path, g);
  }
  for (xmlNodePtr i = child (devs, "interface"); i;
       i = cfg_xml_next (i, "interface", NULL)) {
    if (g->nics.len >= CFG_MAX_DEVICES) {
      set_error (EINVAL, "%s: more than %d interfaces", path, CFG_MAX_DEVICES);
      return -1;
    }
    if (add_nic (i, path, g) == -1)
      return -1;
  }
  set_console (devs, g);
  return 0;
}

static int
lx_parse (const char *buf, size_t len, const char *path, struct guest **out)
{
  xmlDocPtr doc = cfg_xml_parse (buf, len, path);
  xmlNodePtr root;
  int r = -1;

  *out = guest_new ();
  if (!doc)
    return -1;
  root = xmlDocGetRootElement (doc);
  if (strcmp ((const char *) root->name, "domain") != 0)
    set_error (EINVAL, "%s: root element is <%s>, not a libvirt <domain>",
               path, root->name);
  else
    r = to_guest (root, path, *out);
  xmlFreeDoc (doc);
  return r;
}

static int
lx_probe (const char *head, size_t len, const char *path)
{
  return memmem (head, len, "<domain", 7) ? 90 : 0;
}

const struct cfg_reader libvirt_xml_cfg = {
  .name = "libvirt-xml",
  .probe = lx_probe,
  .parse = lx_parse,
};
