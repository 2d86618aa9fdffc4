/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: OVF descriptor reader (docs/formats.md §5.4), VMware and VirtualBox
 * style, OVF 1.x and 2.0.
 *
 * Follows DMTF DSP0243 (OVF) and the CIM RASD ResourceType codes, with
 * virt-v2v input/OVF.ml / parse_ovf_from_ova.ml as the reference for
 * what exporters really write.  Elements are matched by local name and,
 * where prefixes vary (the envelope, vmw:Config), by namespace URI,
 * never by prefix.  The XML is parsed by cfg_xml_parse: no network, no
 * DTD, no entities.
 *
 *   References/File      href, size, compression  -> guest_disk.ref...
 *   DiskSection/Disk     capacity x capacityAllocationUnits -> .size
 *   Item ResourceType    3 CPU, 4 memory, 5/6/20 controllers, 10 NIC,
 *                        14 floppy, 15/16 CD-ROM, 17 disk
 *   vmw:Config           firmware=efi, bootOptions.efiSecureBootEnabled
 *
 * Disks keep the order of their Items (VMware boots the first).  Disk
 * paths are made absolute against the .ovf's directory; inside an OVA
 * the archive code uses .ref (the member name) instead.  Only the first
 * VirtualSystem of a collection is read (with a warning).
 *
 * Not done: checking the manifest (archive code), ${property}
 * capacities (warned, size 0), delta disks (parentRef), ProductSection.
 *
 * Second entry point, ovf_disk_refs() (cfg-ovf.h, at the end of this
 * file): only what opening the disks of an OVA needs, for the "ova"
 * block-source driver (disk-ova.c).  It is deliberately more lenient
 * than the guest record: every References/File and DiskSection/Disk in
 * document order, no Envelope or Item checks, and a capacity it cannot
 * read is "unknown" (-1), not an error; the header of the disk decides.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "cfg-ovf.h"
#include "cfg-xml.h"
#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

#define OVF_NS_PREFIX "http://schemas.dmtf.org/ovf/envelope/"
#define VMW_NS "http://www.vmware.com/schema/ovf"
#define MAX_CONTROLLERS 64

#define child(n, name) cfg_xml_child ((n), (name), NULL)
#define next(n, name) cfg_xml_next ((n), (name), NULL)
#define prop(n, name) cfg_xml_prop ((n), (name), NULL)

struct controller {
  char *id;                     /* InstanceID */
  enum guest_bus bus;
  int address;
};

struct ovf {
  const char *path;
  xmlNodePtr env, vs, hw;
  struct controller ctl[MAX_CONTROLLERS];
  size_t nctl;
};

/* "byte * 2^20", "byte", "MegaBytes", "KB" ... -> multiplier; 0 if not
 * understood.  Both readers of this file use it: the VirtualSystem's
 * quantities and the disk references' capacityAllocationUnits. */
static uint64_t
alloc_units (const char *u)
{
  char s[64];
  size_t n = 0;
  uint64_t m = 1;
  const char *p;

  for (; *u && n < sizeof s - 1; ++u)
    if (!isspace ((unsigned char) *u))
      s[n++] = tolower ((unsigned char) *u);
  s[n] = '\0';
  if (strcmp (s, "byte") == 0 || strcmp (s, "bytes") == 0 || !*s)
    return 1;
  if (strcmp (s, "kilobytes") == 0 || strcmp (s, "kb") == 0) return 1 << 10;
  if (strcmp (s, "megabytes") == 0 || strcmp (s, "mb") == 0) return 1 << 20;
  if (strcmp (s, "gigabytes") == 0 || strcmp (s, "gb") == 0) return 1 << 30;
  /* DSP0004 programmatic units: byte * 2^20, byte*1024*1024 ... */
  if (strncmp (s, "bytes*", 6) == 0)
    p = s + 6;
  else if (strncmp (s, "byte*", 5) == 0)
    p = s + 5;
  else
    return 0;
  while (*p) {
    char *e;
    unsigned long base = strtoul (p, &e, 10), exp = 1;
    if (e == p)
      return 0;
    if (*e == '^') {
      p = e + 1;
      exp = strtoul (p, &e, 10);
      if (e == p || exp > 64)
        return 0;
    }
    while (exp--)
      if (MUL_OVERFLOW (m, (uint64_t) base, &m))
        return 0;
    if (*e == '*')
      e++;
    else if (*e)
      return 0;
    p = e;
  }
  return m;
}

/* number x units -> bytes; -1 + error naming where. */
static int
quantity (struct ovf *o, xmlNodePtr el, const char *num, const char *units,
          const char *where, uint64_t *out)
{
  uint64_t v, m = alloc_units (units ? units : "byte * 2^20");

  if (m == 0 || cfg_parse_u64 (num, &v) == -1 || MUL_OVERFLOW (v, m, out)) {
    set_error (EINVAL, "%s:%d: %s: cannot understand '%s' '%s'", o->path,
               (int) xmlGetLineNo (el), where, num, units ? units : "");
    return -1;
  }
  return 0;
}

static xmlNodePtr
find_file (struct ovf *o, const char *id)
{
  for (xmlNodePtr f = child (child (o->env, "References"), "File"); f;
       f = next (f, "File")) {
    CLEANUP_FREE char *fid = prop (f, "id");
    if (fid && strcmp (fid, id) == 0)
      return f;
  }
  return NULL;
}

static xmlNodePtr
find_disk (struct ovf *o, const char *host_resource)
{
  const char *id = strrchr (host_resource, '/');

  id = id ? id + 1 : host_resource;
  for (xmlNodePtr d = child (child (o->env, "DiskSection"), "Disk"); d;
       d = next (d, "Disk")) {
    CLEANUP_FREE char *did = prop (d, "diskId");
    if (did && strcmp (did, id) == 0)
      return d;
  }
  return NULL;
}

static char *
rasd (xmlNodePtr item, const char *name)
{
  xmlNodePtr n = child (item, name);
  return n ? cfg_xml_text (n) : NULL;
}

static const struct controller *
find_controller (struct ovf *o, const char *parent)
{
  for (size_t i = 0; parent && i < o->nctl; ++i)
    if (strcmp (o->ctl[i].id, parent) == 0)
      return &o->ctl[i];
  return NULL;
}

static void
set_location (struct ovf *o, xmlNodePtr item, struct guest_disk *d)
{
  CLEANUP_FREE char *parent = rasd (item, "Parent");
  CLEANUP_FREE char *addr = rasd (item, "AddressOnParent");
  const struct controller *c = find_controller (o, parent);
  int unit = addr ? atoi (addr) : 0;
  static const char *const pfx[] = {
    [GUEST_BUS_IDE] = "ide", [GUEST_BUS_SCSI] = "scsi",
    [GUEST_BUS_SATA] = "sata", [GUEST_BUS_NVME] = "nvme",
  };

  if (!c)
    return;
  d->bus = c->bus;
  d->slot = c->bus == GUEST_BUS_IDE ? c->address * 2 + unit : unit;
  d->target = xasprintf ("%s%d:%d", pfx[c->bus], c->address, unit);
}

static int
add_disk (struct ovf *o, xmlNodePtr item, struct guest *g)
{
  CLEANUP_FREE char *hr = rasd (item, "HostResource");
  CLEANUP_FREE char *cap = NULL, *units = NULL, *fref = NULL, *fmt = NULL;
  xmlNodePtr disk, file;
  struct guest_disk *d;

  if (!hr || !*hr) {           /* a new empty disk (govmomi config specs) */
    CLEANUP_FREE char *q = rasd (item, "VirtualQuantity");
    CLEANUP_FREE char *u = rasd (item, "AllocationUnits");
    d = guest_add_disk (&g->disks);
    set_location (o, item, d);
    if (q && quantity (o, item, q, u ? u : "byte", "disk", &d->size) == -1)
      return -1;
    warning ("disk-no-file", "%s:%d: disk Item without HostResource (an empty disk to "
             "create)", o->path, (int) xmlGetLineNo (item));
    return 0;
  }
  if (!(disk = find_disk (o, hr))) {
    set_error (EINVAL, "%s:%d: disk Item: HostResource '%s' names no "
               "DiskSection/Disk", o->path, (int) xmlGetLineNo (item),
               hr ? hr : "");
    return -1;
  }
  d = guest_add_disk (&g->disks);
  set_location (o, item, d);
  cap = prop (disk, "capacity");
  units = prop (disk, "capacityAllocationUnits");
  if (cap && cap[0] == '$')
    warning ("disk-size-unknown", "%s: disk capacity '%s' is a property; size unknown", o->path, cap);
  else if (cap && quantity (o, disk, cap, units ? units : "byte", "Disk capacity",
                            &d->size) == -1)
    return -1;
  fmt = prop (disk, "format");
  if (fmt && strcasestr (fmt, "vmdk"))
    d->format = xstrdup ("vmdk");
  else if (fmt && strcasestr (fmt, "bb676673"))       /* Microsoft VHD URL */
    d->format = xstrdup ("vhd");
  fref = prop (disk, "fileRef");
  if (!fref) {
    warning ("disk-no-file", "%s: disk '%s' has no file (an empty disk to create)", o->path, hr);
    return 0;
  }
  if (!(file = find_file (o, fref))) {
    set_error (EINVAL, "%s:%d: Disk fileRef '%s' names no References/File",
               o->path, (int) xmlGetLineNo (disk), fref);
    return -1;
  }
  d->ref = prop (file, "href");
  if (!d->ref || !*d->ref) {
    set_error (EINVAL, "%s:%d: File '%s' has no href", o->path,
               (int) xmlGetLineNo (file), fref);
    return -1;
  }
  d->path = guest_abs_path (o->path, d->ref);
  if (!d->format && cfg_format_from_name (d->ref))
    d->format = xstrdup (cfg_format_from_name (d->ref));
  {
    CLEANUP_FREE char *size = prop (file, "size");
    CLEANUP_FREE char *comp = prop (file, "compression");
    if (size && cfg_parse_u64 (size, &d->ref_size) == -1) {
      set_error (EINVAL, "%s:%d: File '%s': bad size '%s'", o->path,
                 (int) xmlGetLineNo (file), fref, size);
      return -1;
    }
    if (comp && strcmp (comp, "identity") != 0)
      d->compression = xstrdup (comp);
  }
  return 0;
}

static void
add_removable (struct ovf *o, xmlNodePtr item, struct guest *g, int type)
{
  struct guest_disk *d = guest_add_disk (&g->removables);

  d->device = type == 14 ? GUEST_DEV_FLOPPY : GUEST_DEV_CDROM;
  d->readonly = type != 14;
  if (type == 14) {
    d->bus = GUEST_BUS_FDC;
    d->slot = 0;
    for (size_t i = 0; i + 1 < g->removables.len; ++i)
      d->slot += g->removables.ptr[i].device == GUEST_DEV_FLOPPY;
    d->target = xasprintf ("floppy%d", d->slot);
  }
  else
    set_location (o, item, d);
}

static int
add_nic (struct ovf *o, xmlNodePtr item, struct guest *g)
{
  static const struct { const char *n; enum guest_nic_model m; } map[] = {
    { "e1000", GUEST_NIC_E1000 }, { "e1000e", GUEST_NIC_E1000E },
    { "vmxnet3", GUEST_NIC_VMXNET3 }, { "vmxnet2", GUEST_NIC_VMXNET2 },
    { "vmxnet", GUEST_NIC_VMXNET }, { "pcnet32", GUEST_NIC_PCNET },
    { "pcnet", GUEST_NIC_PCNET }, { "virtio", GUEST_NIC_VIRTIO },
  };
  struct guest_nic *nic = guest_add_nic (g);
  CLEANUP_FREE char *mac = rasd (item, "Address");

  nic->model_name = rasd (item, "ResourceSubType");
  for (size_t i = 0; nic->model_name && i < sizeof map / sizeof map[0]; ++i)
    if (strcasecmp (nic->model_name, map[i].n) == 0)
      nic->model = map[i].m;
  nic->type = GUEST_NET_NETWORK;
  nic->network = rasd (item, "Connection");
  if (mac && *mac && guest_set_mac (&nic->mac, mac) == -1) {
    set_error (EINVAL, "%s:%d: Ethernet Item: invalid MAC address '%s'",
               o->path, (int) xmlGetLineNo (item), mac);
    return -1;
  }
  return 0;
}

static int
add_controller (struct ovf *o, xmlNodePtr item, int type)
{
  CLEANUP_FREE char *addr = rasd (item, "Address");
  CLEANUP_FREE char *sub = rasd (item, "ResourceSubType");
  struct controller *c;

  if (o->nctl == MAX_CONTROLLERS) {
    set_error (EINVAL, "%s: more than %d controllers", o->path,
               MAX_CONTROLLERS);
    return -1;
  }
  c = &o->ctl[o->nctl++];
  c->id = rasd (item, "InstanceID");
  if (!c->id)
    c->id = xstrdup ("");
  c->address = addr ? atoi (addr) : 0;
  c->bus = type == 5 ? GUEST_BUS_IDE : type == 6 ? GUEST_BUS_SCSI
    : sub && strcasestr (sub, "nvme") ? GUEST_BUS_NVME : GUEST_BUS_SATA;
  return 0;
}

static bool
is_item (xmlNodePtr n)
{
  return n->type == XML_ELEMENT_NODE &&
    (strcmp ((const char *) n->name, "Item") == 0 ||
     strcmp ((const char *) n->name, "StorageItem") == 0 ||
     strcmp ((const char *) n->name, "EthernetPortItem") == 0);
}

static int
item_type (xmlNodePtr item)
{
  CLEANUP_FREE char *t = rasd (item, "ResourceType");
  return t ? atoi (t) : -1;
}

static int
set_cpu_memory (struct ovf *o, xmlNodePtr item, int type, struct guest *g)
{
  CLEANUP_FREE char *q = rasd (item, "VirtualQuantity");
  CLEANUP_FREE char *units = rasd (item, "AllocationUnits");
  uint64_t v;

  if (!q) {
    set_error (EINVAL, "%s:%d: %s Item without VirtualQuantity", o->path,
               (int) xmlGetLineNo (item), type == 3 ? "CPU" : "memory");
    return -1;
  }
  if (type == 4) {
    if (quantity (o, item, q, units, "memory", &g->memory) == -1)
      return -1;
    if (g->memory > CFG_MAX_MEMORY) {
      set_error (EINVAL, "%s:%d: memory of %" PRIu64 " bytes is more than "
                 "16 TiB", o->path, (int) xmlGetLineNo (item), g->memory);
      return -1;
    }
    return 0;
  }
  if (cfg_parse_u64 (q, &v) == -1 || v == 0 || v > CFG_MAX_VCPUS) {
    set_error (EINVAL, "%s:%d: bad number of CPUs '%s'", o->path,
               (int) xmlGetLineNo (item), q);
    return -1;
  }
  g->vcpus = v;
  {
    xmlNodePtr cps = cfg_xml_child (item, "CoresPerSocket", VMW_NS);
    CLEANUP_FREE char *c = cps ? cfg_xml_text (cps) : NULL;
    uint64_t cores;
    if (c && cfg_parse_u64 (c, &cores) == 0 && cores && v % cores == 0) {
      g->cores = cores;
      g->sockets = v / cores;
      g->threads = 1;
    }
  }
  return 0;
}

/* Two passes over the Items: controllers first (disks name them as
 * Parent, in any order), then everything else. */
static int
walk_hardware (struct ovf *o, struct guest *g)
{
  bool seen_cpu = false, seen_mem = false;

  for (xmlNodePtr n = o->hw->children; n; n = n->next) {
    int t;
    if (!is_item (n))
      continue;
    t = item_type (n);
    if ((t == 5 || t == 6 || t == 20) && add_controller (o, n, t) == -1)
      return -1;
  }
  for (xmlNodePtr n = o->hw->children; n; n = n->next) {
    int t;
    if (!is_item (n))
      continue;
    t = item_type (n);
    if (g->disks.len + g->removables.len + g->nics.len > 3 * CFG_MAX_DEVICES) {
      set_error (EINVAL, "%s: too many devices", o->path);
      return -1;
    }
    switch (t) {
    case 3: case 4:
      if ((t == 3 ? seen_cpu : seen_mem)) {
        set_error (EINVAL, "%s:%d: duplicate %s Item", o->path,
                   (int) xmlGetLineNo (n), t == 3 ? "CPU" : "memory");
        return -1;
      }
      *(t == 3 ? &seen_cpu : &seen_mem) = true;
      if (set_cpu_memory (o, n, t, g) == -1)
        return -1;
      break;
    case 10:
      if (add_nic (o, n, g) == -1)
        return -1;
      break;
    case 14: case 15: case 16:
      add_removable (o, n, g, t);
      break;
    case 17:
      if (add_disk (o, n, g) == -1)
        return -1;
      break;
    default:
      break;
    }
  }
  if (!seen_mem) {
    set_error (EINVAL, "%s: no memory Item (ResourceType 4)", o->path);
    return -1;
  }
  if (!g->vcpus)
    g->vcpus = 1;
  return 0;
}

/* vmw:Config / vmw:ExtraConfig key=value pairs under the hardware
 * section; VirtualBox <Firmware type="EFI"/>. */
static void
set_firmware (struct ovf *o, struct guest *g)
{
  g->firmware = GUEST_FW_BIOS;
  for (xmlNodePtr n = o->hw->children; n; n = n->next) {
    CLEANUP_FREE char *k = NULL, *v = NULL;
    if (n->type != XML_ELEMENT_NODE || !n->ns || !n->ns->href ||
        strcmp ((const char *) n->ns->href, VMW_NS) != 0)
      continue;
    k = prop (n, "key");
    v = prop (n, "value");
    if (!k || !v)
      continue;
    if (strcmp (k, "firmware") == 0)
      g->firmware = strcasecmp (v, "efi") == 0 ? GUEST_FW_UEFI : GUEST_FW_BIOS;
    else if ((strcmp (k, "bootOptions.efiSecureBootEnabled") == 0 ||
              strcasecmp (k, "uefi.secureBoot.enabled") == 0))
      g->secure_boot = strcasecmp (v, "true") == 0;
  }
  /* VirtualBox: <vbox:Machine> ... <Hardware><Firmware type="EFI"/> */
  for (xmlNodePtr m = child (o->vs, "Machine"); m; m = NULL) {
    CLEANUP_FREE char *t = prop (child (child (m, "Hardware"), "Firmware"),
                                 "type");
    if (t && strncasecmp (t, "EFI", 3) == 0)
      g->firmware = GUEST_FW_UEFI;
  }
  if (g->firmware != GUEST_FW_UEFI)
    g->secure_boot = false;
}

static void
set_identity (struct ovf *o, struct guest *g)
{
  xmlNodePtr os = child (o->vs, "OperatingSystemSection");
  CLEANUP_FREE char *vst = NULL;
  xmlNodePtr name = child (o->vs, "Name");

  g->name = name ? cfg_xml_text (name) : NULL;
  if (!g->name || !*g->name) {
    free (g->name);
    g->name = prop (o->vs, "id");
  }
  if (os) {
    g->os.ovf_id = prop (os, "id");
    g->os.id = cfg_xml_prop (os, "osType", VMW_NS);
    if (child (os, "Description"))
      g->os.description = cfg_xml_text (child (os, "Description"));
    if (g->os.id) {
      /* vSphere API form -> .vmx form (docs/formats.md §7.3):
       * "rhel7_64Guest" -> "rhel7-64", "winXPProGuest" -> "winXPPro". */
      size_t n = strlen (g->os.id);
      if (n > 5 && strcmp (g->os.id + n - 5, "Guest") == 0)
        g->os.id[n -= 5] = '\0';
      if (n > 3 && strcmp (g->os.id + n - 3, "_64") == 0)
        g->os.id[n - 3] = '-';
      g->os.arch = xstrdup (n > 3 && strcmp (g->os.id + n - 3, "-64") == 0
                            ? "x86_64" : "i686");
    }
  }
  vst = rasd (child (o->hw, "System"), "VirtualSystemType");
  if (vst && *vst)
    g->machine = xstrdup (vst);
  g->origin = vst && strcasestr (vst, "virtualbox") ? GUEST_ORIGIN_VIRTUALBOX
    : GUEST_ORIGIN_VMWARE;
  {
    CLEANUP_FREE char *uuid = NULL;
    xmlNodePtr m = child (o->vs, "Machine");       /* VirtualBox */
    if (m && (uuid = prop (m, "uuid")))
      g->uuid = guest_uuid_canonical (uuid);
  }
}

static xmlNodePtr
first_system (xmlNodePtr n, int *count)
{
  xmlNodePtr found = NULL;

  for (n = n->children; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (strcmp ((const char *) n->name, "VirtualSystem") == 0) {
      (*count)++;
      if (!found)
        found = n;
    }
    else if (strcmp ((const char *) n->name, "VirtualSystemCollection") == 0) {
      xmlNodePtr f = first_system (n, count);
      if (!found)
        found = f;
    }
  }
  return found;
}

static int
to_guest (struct ovf *o, struct guest *g)
{
  int count = 0;

  if (strcmp ((const char *) o->env->name, "Envelope") != 0 ||
      !o->env->ns || !o->env->ns->href ||
      strncmp ((const char *) o->env->ns->href, OVF_NS_PREFIX,
               strlen (OVF_NS_PREFIX)) != 0) {
    set_error (EINVAL, "%s: root element is not an OVF Envelope", o->path);
    return -1;
  }
  o->vs = first_system (o->env, &count);
  if (!o->vs) {
    set_error (EINVAL, "%s: no VirtualSystem", o->path);
    return -1;
  }
  if (count > 1)
    warning ("ovf-several-systems", "%s: %d virtual systems; reading only the first", o->path, count);
  o->hw = child (o->vs, "VirtualHardwareSection");
  if (!o->hw) {
    set_error (EINVAL, "%s:%d: VirtualSystem has no VirtualHardwareSection",
               o->path, (int) xmlGetLineNo (o->vs));
    return -1;
  }
  set_identity (o, g);
  set_firmware (o, g);
  return walk_hardware (o, g);
}

static int
ovf_parse (const char *buf, size_t len, const char *path, struct guest **out)
{
  struct ovf o = { .path = path };
  xmlDocPtr doc = cfg_xml_parse (buf, len, path);
  int r = -1;

  *out = guest_new ();
  if (!doc)
    return -1;
  o.env = xmlDocGetRootElement (doc);
  r = to_guest (&o, *out);
  for (size_t i = 0; i < o.nctl; ++i)
    free (o.ctl[i].id);
  xmlFreeDoc (doc);
  return r;
}

static int
ovf_probe (const char *head, size_t len, const char *path)
{
  return memmem (head, len, "Envelope", 8) &&
    memmem (head, len, OVF_NS_PREFIX, strlen (OVF_NS_PREFIX)) ? 90 : 0;
}

const struct cfg_reader ovf_cfg = {
  .name = "ovf",
  .probe = ovf_probe,
  .parse = ovf_parse,
};

/* ---- Disk references: ovf_disk_refs (cfg-ovf.h) ----
 *
 * DSP0243 §7/§9: References/File (id, href, compression, chunkSize)
 * and DiskSection/Disk (diskId, fileRef, capacity,
 * capacityAllocationUnits: "byte * 2^N"), matched on local names
 * wherever they are in the tree. */

/* capacity x units in bytes, or -1 if unknown ("${property}"...). */
static int64_t
ref_capacity (const char *cap, const char *units)
{
  uint64_t n, mult = units ? alloc_units (units) : 1, r;
  char *end;

  if (!cap || mult == 0)
    return -1;
  errno = 0;
  n = strtoull (cap, &end, 10);
  if (errno || end == cap || *end || MUL_OVERFLOW (n, mult, &r) ||
      r > INT64_MAX)
    return -1;
  return (int64_t) r;
}

/* Walk the tree: References/File and DiskSection/Disk, in order. */
static void
collect_refs (xmlNodePtr n, xmlNodePtr *files, size_t *nfiles,
              xmlNodePtr *disks, size_t *ndisks)
{
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    const char *name = (const char *) n->name;
    const char *parent = n->parent && n->parent->type == XML_ELEMENT_NODE ?
      (const char *) n->parent->name : "";
    if (strcmp (name, "File") == 0 && strcmp (parent, "References") == 0 &&
        *nfiles < OVF_MAX_DISKS)
      files[(*nfiles)++] = n;
    else if (strcmp (name, "Disk") == 0 &&
             strcmp (parent, "DiskSection") == 0 && *ndisks < OVF_MAX_DISKS)
      disks[(*ndisks)++] = n;
    collect_refs (n->children, files, nfiles, disks, ndisks);
  }
}

/* Fill d from the Disk element dn and the File it refers to. */
static void
fill_ref (struct ovf_disk *d, xmlNodePtr dn, xmlNodePtr *files,
          size_t nfiles)
{
  CLEANUP_FREE char *cap = prop (dn, "capacity");
  CLEANUP_FREE char *units = prop (dn, "capacityAllocationUnits");
  CLEANUP_FREE char *ref = prop (dn, "fileRef");

  d->id = prop (dn, "diskId");
  d->capacity = ref_capacity (cap, units);
  for (size_t i = 0; ref && i < nfiles; ++i) {
    CLEANUP_FREE char *id = prop (files[i], "id");
    if (id && strcmp (id, ref) == 0) {
      CLEANUP_FREE char *comp = prop (files[i], "compression");
      CLEANUP_FREE char *chunk = prop (files[i], "chunkSize");
      d->href = prop (files[i], "href");
      d->gzip = comp && strcmp (comp, "gzip") == 0;
      d->chunked = chunk != NULL;
      break;
    }
  }
}

int
ovf_disk_refs (struct bfile *ovf, ovf_disk_vector *out)
{
  CLEANUP_FREE char *buf = NULL;
  xmlNodePtr files[OVF_MAX_DISKS], disks[OVF_MAX_DISKS];
  size_t nfiles = 0, ndisks = 0;
  xmlDocPtr doc;

  if (ovf->size > OVF_MAX_SIZE) {
    set_error (EINVAL, "'%s': OVF descriptor is larger than %d bytes",
               ovf->name, OVF_MAX_SIZE);
    return -1;
  }
  buf = xmalloc (ovf->size + 1);
  if (bfile_pread (ovf, buf, ovf->size, 0) == -1)
    return -1;
  doc = cfg_xml_parse (buf, (size_t) ovf->size, ovf->name);
  if (!doc)
    return -1;
  collect_refs (xmlDocGetRootElement (doc), files, &nfiles, disks, &ndisks);
  for (size_t i = 0; i < ndisks; ++i) {
    struct ovf_disk d = { .capacity = -1 };
    fill_ref (&d, disks[i], files, nfiles);
    ovf_disk_vector_append (out, d);
  }
  xmlFreeDoc (doc);
  return 0;
}
