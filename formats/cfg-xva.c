/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: XenServer / XCP-ng ova.xml reader, the VM metadata at the head
 * of an XVA export (docs/formats.md §4.3).
 *
 * The file is an XML-RPC value (xapi "VM import/export" docs; xapi
 * ocaml/xapi/export.ml): a struct with `version` and `objects`, an array
 * of {class, id, snapshot} structs holding each object's database
 * fields.  We read the VM (skipping templates, snapshots and the control
 * domain), its VBDs in userdevice order -> VDIs (the VDI `id`, e.g.
 * "Ref:1736", names the tar directory holding the disk's blocks: kept in
 * guest_disk.ref; virtual_size in .size), and its VIFs in device order
 * -> networks.  HVM_boot_policy "BIOS order" means HVM, empty means PV
 * (PV_bootloader / PV_kernel); HVM_boot_params firmware=uefi and
 * platform secureboot=true are UEFI and secure boot.
 *
 * The XML is parsed by cfg_xml_parse (no network, no DTD, no entities).
 * Not done: the legacy "XVA 0.1" <appliance> format (refused, ENOTSUP),
 * VGPUs, VUSBs, snapshots.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "cfg-xml.h"
#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

#define MAX_OBJECTS 100000

struct object {
  char *class, *id;
  xmlNodePtr snap;              /* <value> holding the struct */
};

struct xva {
  const char *path;
  struct object *obj;
  size_t nobj;
};

#define child(n, name) cfg_xml_child ((n), (name), NULL)
#define next(n, name) cfg_xml_next ((n), (name), NULL)

/* The <value> of member `name` of the struct in value v, or NULL. */
static xmlNodePtr
member (xmlNodePtr v, const char *name)
{
  for (xmlNodePtr m = child (child (v, "struct"), "member"); m;
       m = next (m, "member")) {
    CLEANUP_FREE char *n = cfg_xml_text (child (m, "name"));
    if (strcmp (n, name) == 0)
      return child (m, "value");
  }
  return NULL;
}

/* Scalar text of value v ("" if absent). */
static char *
scalar (xmlNodePtr v)
{
  for (xmlNodePtr c = v ? v->children : NULL; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      return cfg_xml_text (c);
  return cfg_xml_text (v);
}

static char *
field (xmlNodePtr v, const char *name)
{
  return scalar (member (v, name));
}

static bool
is_true (const char *s)
{
  return strcmp (s, "1") == 0 || strcasecmp (s, "true") == 0;
}

static const struct object *
find (struct xva *x, const char *id)
{
  for (size_t i = 0; i < x->nobj; ++i)
    if (strcmp (x->obj[i].id, id) == 0)
      return &x->obj[i];
  return NULL;
}

static int
index_objects (struct xva *x, xmlNodePtr root)
{
  xmlNodePtr data = child (child (member (root, "objects"), "array"), "data");

  if (!data) {
    set_error (EINVAL, "%s: no 'objects' array (not an XVA ova.xml)", x->path);
    return -1;
  }
  for (xmlNodePtr v = child (data, "value"); v; v = next (v, "value")) {
    struct object *o;
    if (x->nobj == MAX_OBJECTS) {
      set_error (EINVAL, "%s: more than %d objects", x->path, MAX_OBJECTS);
      return -1;
    }
    x->obj = xreallocarray (x->obj, x->nobj + 1, sizeof *x->obj);
    o = &x->obj[x->nobj++];
    o->class = field (v, "class");
    o->id = field (v, "id");
    o->snap = member (v, "snapshot");
    if (!*o->id || !o->snap) {
      set_error (EINVAL, "%s:%d: object without id or snapshot", x->path,
                 (int) xmlGetLineNo (v));
      return -1;
    }
  }
  return 0;
}

static const struct object *
find_vm (struct xva *x)
{
  for (size_t i = 0; i < x->nobj; ++i) {
    const struct object *o = &x->obj[i];
    CLEANUP_FREE char *t = NULL, *s = NULL, *c = NULL;
    if (strcmp (o->class, "VM") != 0)
      continue;
    t = field (o->snap, "is_a_template");
    s = field (o->snap, "is_a_snapshot");
    c = field (o->snap, "is_control_domain");
    if (!is_true (t) && !is_true (s) && !is_true (c))
      return o;
  }
  return NULL;
}

/* Refs in the array field `name` of object o, sorted by the numeric
 * field `key` of each referenced object (userdevice, device). */
static size_t
sorted_refs (struct xva *x, const struct object *o, const char *name,
             const char *key, const struct object **out, size_t max)
{
  xmlNodePtr data = child (child (member (o->snap, name), "array"), "data");
  size_t n = 0;

  for (xmlNodePtr v = child (data, "value"); v && n < max; v = next (v, "value")) {
    CLEANUP_FREE char *ref = scalar (v);
    const struct object *r = find (x, ref);
    if (r)
      out[n++] = r;
    else
      warning ("xva-ref-missing", "%s: %s '%s' is not in the export", x->path, name, ref);
  }
  for (size_t i = 1; i < n; ++i)      /* insertion sort: n is small */
    for (size_t j = i; j > 0; --j) {
      CLEANUP_FREE char *a = field (out[j - 1]->snap, key);
      CLEANUP_FREE char *b = field (out[j]->snap, key);
      if (atoi (a) <= atoi (b))
        break;
      const struct object *t = out[j]; out[j] = out[j - 1]; out[j - 1] = t;
    }
  return n;
}

static int
add_vbd (struct xva *x, const struct object *vbd, struct guest *g)
{
  CLEANUP_FREE char *type = field (vbd->snap, "type");
  CLEANUP_FREE char *vdi = field (vbd->snap, "VDI");
  CLEANUP_FREE char *dev = field (vbd->snap, "device");
  CLEANUP_FREE char *ud = field (vbd->snap, "userdevice");
  CLEANUP_FREE char *mode = field (vbd->snap, "mode");
  bool cd = strcasecmp (type, "CD") == 0;
  const struct object *v = find (x, vdi);
  struct guest_disk *d = guest_add_disk (cd ? &g->removables : &g->disks);

  d->device = cd ? GUEST_DEV_CDROM : GUEST_DEV_DISK;
  d->bus = GUEST_BUS_XEN;
  d->slot = atoi (ud);
  d->target = *dev ? xstrdup (dev) : xasprintf ("xvd%c", 'a' + d->slot % 26);
  d->readonly = cd || strcasecmp (mode, "RO") == 0;
  if (!v) {
    if (!cd)
      warning ("xva-ref-missing", "%s: disk %s: VDI '%s' is not in the export", x->path,
               d->target, vdi);
    return 0;
  }
  d->ref = xstrdup (v->id);
  {
    CLEANUP_FREE char *size = field (v->snap, "virtual_size");
    if (*size && cfg_parse_u64 (size, &d->size) == -1) {
      set_error (EINVAL, "%s: VDI '%s': virtual_size '%s' is not a number",
                 x->path, v->id, size);
      return -1;
    }
  }
  d->format = xstrdup ("raw");
  return 0;
}

static int
add_vif (struct xva *x, const struct object *vif, struct guest *g)
{
  CLEANUP_FREE char *mac = field (vif->snap, "MAC");
  CLEANUP_FREE char *net = field (vif->snap, "network");
  const struct object *n = find (x, net);
  struct guest_nic *nic = guest_add_nic (g);

  if (*mac && guest_set_mac (&nic->mac, mac) == -1) {
    set_error (EINVAL, "%s: VIF '%s': invalid MAC address '%s'", x->path,
               vif->id, mac);
    return -1;
  }
  nic->model = g->os.builder == GUEST_BUILDER_HVM ? GUEST_NIC_RTL8139
    : GUEST_NIC_NETFRONT;
  nic->type = GUEST_NET_NETWORK;
  if (n) {
    nic->network = field (n->snap, "name_label");
    nic->label = field (n->snap, "bridge");
    if (!*nic->label) {
      free (nic->label);
      nic->label = NULL;
    }
  }
  return 0;
}

static int
set_vm (struct xva *x, const struct object *vm, struct guest *g)
{
  CLEANUP_FREE char *uuid = field (vm->snap, "uuid");
  CLEANUP_FREE char *mem = field (vm->snap, "memory_static_max");
  CLEANUP_FREE char *vmax = field (vm->snap, "VCPUs_max");
  CLEANUP_FREE char *vstart = field (vm->snap, "VCPUs_at_startup");
  CLEANUP_FREE char *hvm = field (vm->snap, "HVM_boot_policy");
  CLEANUP_FREE char *fw = field (member (vm->snap, "HVM_boot_params"),
                                 "firmware");
  CLEANUP_FREE char *sb = field (member (vm->snap, "platform"), "secureboot");
  uint64_t max, start;

  g->name = field (vm->snap, "name_label");
  if (*uuid && !(g->uuid = guest_uuid_canonical (uuid)))
    warning ("uuid-invalid", "%s: VM uuid '%s' is not a UUID", x->path, uuid);
  if (cfg_parse_u64 (mem, &g->memory) == -1 || g->memory == 0) {
    set_error (EINVAL, "%s: VM '%s': memory_static_max '%s' is not a number",
               x->path, vm->id, mem);
    return -1;
  }
  if (cfg_check_memory (x->path, "memory_static_max", g->memory) == -1)
    return -1;
  if (cfg_parse_u64 (vmax, &max) == -1 || max == 0 || max > CFG_MAX_VCPUS ||
      (*vstart && (cfg_parse_u64 (vstart, &start) == -1 || start > max))) {
    set_error (EINVAL, "%s: VM '%s': bad VCPUs_max '%s' / VCPUs_at_startup "
               "'%s'", x->path, vm->id, vmax, vstart);
    return -1;
  }
  g->vcpus = *vstart && start ? start : max;
  if (g->vcpus < max)
    g->max_vcpus = max;
  g->origin = GUEST_ORIGIN_XENSERVER;
  g->os.builder = *hvm ? GUEST_BUILDER_HVM : GUEST_BUILDER_PV;
  g->firmware = strcasecmp (fw, "uefi") == 0 ? GUEST_FW_UEFI
    : *hvm ? GUEST_FW_BIOS : GUEST_FW_UNKNOWN;
  g->secure_boot = g->firmware == GUEST_FW_UEFI && is_true (sb);
  g->machine = xstrdup (*hvm ? "xenfv" : "xenpv");
  g->video = *hvm ? GUEST_VIDEO_CIRRUS : GUEST_VIDEO_XEN;
  g->os.description = field (member (vm->snap, "other_config"),
                             "base_template_name");
#define OS(f, name) \
  g->os.f = field (vm->snap, name); \
  if (!*g->os.f) { free (g->os.f); g->os.f = NULL; }
  OS (bootloader, "PV_bootloader");
  OS (kernel, "PV_kernel");
  OS (ramdisk, "PV_ramdisk");
  OS (cmdline, "PV_args");
  OS (bootloader_args, "PV_bootloader_args");
#undef OS
  if (!*g->os.description) {
    free (g->os.description);
    g->os.description = NULL;
  }
  return 0;
}

static int
to_guest (struct xva *x, xmlNodePtr root, struct guest *g)
{
  const struct object *vm, *refs[CFG_MAX_DEVICES];
  size_t n;

  if (strcmp ((const char *) root->name, "appliance") == 0) {
    set_error (ENOTSUP, "%s: legacy XVA 0.1 <appliance> metadata is not "
               "supported", x->path);
    return -1;
  }
  if (strcmp ((const char *) root->name, "value") != 0) {
    set_error (EINVAL, "%s: root element is <%s>, not an XML-RPC <value>",
               x->path, root->name);
    return -1;
  }
  if (index_objects (x, root) == -1)
    return -1;
  if (!(vm = find_vm (x))) {
    set_error (EINVAL, "%s: no VM in the export (only templates, snapshots "
               "or the control domain)", x->path);
    return -1;
  }
  if (set_vm (x, vm, g) == -1)
    return -1;
  n = sorted_refs (x, vm, "VBDs", "userdevice", refs, CFG_MAX_DEVICES);
  for (size_t i = 0; i < n; ++i)
    if (add_vbd (x, refs[i], g) == -1)
      return -1;
  n = sorted_refs (x, vm, "VIFs", "device", refs, CFG_MAX_DEVICES);
  for (size_t i = 0; i < n; ++i)
    if (add_vif (x, refs[i], g) == -1)
      return -1;
  return 0;
}

static int
xva_parse (const char *buf, size_t len, const char *path, struct guest **out)
{
  struct xva x = { .path = path };
  xmlDocPtr doc = cfg_xml_parse (buf, len, path);
  int r;

  *out = guest_new ();
  if (!doc)
    return -1;
  r = to_guest (&x, xmlDocGetRootElement (doc), *out);
  for (size_t i = 0; i < x.nobj; ++i) {
    free (x.obj[i].class);
    free (x.obj[i].id);
  }
  free (x.obj);
  xmlFreeDoc (doc);
  return r;
}

static int
xva_probe (const char *head, size_t len, const char *path)
{
  return memmem (head, len, "<value>", 7) &&
    memmem (head, len, "<struct>", 8) ? 70 : 0;
}

const struct cfg_reader xva_cfg = {
  .name = "xva",
  .probe = xva_probe,
  .parse = xva_parse,
};
