/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: Xen xl.cfg and legacy xm config reader (docs/formats.md §8).
 *
 * Keys follow docs/man/xl.cfg.5.pod.in.  The grammar (libxl's own
 * parser, libxlu_cfg_l.l / libxlu_cfg_y.y, plus the declarative subset
 * of the Python that xm files were) is in cfg-xl-parse.c; any other
 * Python (import, def, calls, % formatting, arithmetic) is an error
 * naming the file and line: we cannot run it.  This file maps the
 * settings to struct guest.
 *
 * Disk specs follow docs/man/xl-disk-configuration.5.pod.in (positional
 * target, format, vdev, access; key=value; target= swallows the rest)
 * plus the deprecated xm prefixes (phy:, file:, tap:aio:, ...), as
 * libxlu_disk_l.l reads them.  vif specs follow
 * xl-network-configuration.5.pod.in.  Memory is in MiB.
 *
 * Not done: opening the disks, network (script=) disk backends beyond
 * recording their target, PCI passthrough, cpupools, NUMA.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "cfg-xl.h"
#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

/* ---- disk specs ---- */

struct dspec {
  char *target, *format, *vdev, *access, *devtype, *backendtype, *script;
  bool depr_prefix;             /* phy:, file:, tap:aio: ... */
  bool is_block;
};

static void
dspec_free (struct dspec *d)
{
  free (d->target); free (d->format); free (d->vdev); free (d->access);
  free (d->devtype); free (d->backendtype); free (d->script);
}

static bool
is_format (const char *s)
{
  static const char *const f[] = { "raw", "qcow", "qcow2", "vhd", "qed", "" };
  for (size_t i = 0; i < sizeof f / sizeof f[0]; ++i)
    if (strcmp (s, f[i]) == 0)
      return true;
  return false;
}

/* Strip the deprecated prefixes of a target (libxlu_disk_l.l). */
static void
strip_prefixes (struct dspec *d)
{
  static const struct { const char *pfx, *fmt; bool block; } p[] = {
    { "phy:", NULL, true }, { "file:", NULL, false },
    { "tap2:tapdisk:aio:", "raw", false }, { "tap2:tapdisk:vhd:", "vhd", false },
    { "tap:aio:", "raw", false }, { "tap:qcow2:", "qcow2", false },
    { "tap:qcow:", "qcow", false }, { "tap:vhd:", "vhd", false },
    { "tapdisk:aio:", "raw", false }, { "tap:", NULL, false },
    { "aio:", "raw", false }, { "ioemu:", NULL, false },
    { "raw:", "raw", false }, { "qcow2:", "qcow2", false },
    { "qcow:", "qcow", false }, { "vhd:", "vhd", false },
  };
  bool again = true;

  while (again && d->target) {
    again = false;
    for (size_t i = 0; i < sizeof p / sizeof p[0]; ++i) {
      size_t n = strlen (p[i].pfx);
      if (strncmp (d->target, p[i].pfx, n) == 0) {
        char *t = xstrdup (d->target + n);
        free (d->target);
        d->target = t;
        d->depr_prefix = true;
        d->is_block |= p[i].block;
        if (p[i].fmt && !d->format)
          d->format = xstrdup (p[i].fmt);
        again = true;
        break;
      }
    }
  }
}

static void
dspec_set (char **field, const char *s, size_t n)
{
  free (*field);
  *field = xstrndup (s, n);
}

static int
parse_dspec (struct xl *x, const char *spec, int line, struct dspec *d)
{
  const char *p = spec;
  int pos = 0;

  memset (d, 0, sizeof *d);
  while (*p) {
    const char *e, *eq;
    size_t n;

    while (*p == ' ' || *p == '\t' || *p == '\n')  /* libxlu skips these */
      p++;
    e = strchr (p, ',');
    n = e ? (size_t) (e - p) : strlen (p);
    eq = memchr (p, '=', n);

    if (strncmp (p, "target=", 7) == 0) {   /* eats the rest */
      dspec_set (&d->target, p + 7, strlen (p + 7));
      break;
    }
    if (eq) {
      static const char *const keys[] = {
        "format", "vdev", "access", "devtype", "backendtype", "script",
      };
      char **fields[] = { &d->format, &d->vdev, &d->access, &d->devtype,
                          &d->backendtype, &d->script };
      for (size_t i = 0; i < 6; ++i)
        if ((size_t) (eq - p) == strlen (keys[i]) &&
            strncmp (p, keys[i], eq - p) == 0)
          dspec_set (fields[i], eq + 1, n - (eq + 1 - p));
    }
    else if (n == 5 && strncmp (p, "cdrom", 5) == 0)
      dspec_set (&d->devtype, "cdrom", 5);
    else if (pos == 0) {
      dspec_set (&d->target, p, n);
      strip_prefixes (d);
      pos = 1;
    }
    else {
      CLEANUP_FREE char *w = xstrndup (p, n);
      if (pos == 1 && (d->depr_prefix || !is_format (w)))
        pos = 2;                /* xm: no format field */
      if (pos == 1 && !d->format && *w)
        d->format = xstrdup (w);
      else if (pos == 2 && *w)
        dspec_set (&d->vdev, w, n);
      else if (pos == 3 && *w)
        dspec_set (&d->access, w, n);
      else if (pos > 3) {
        CLEANUP_FREE char *m = xasprintf ("disk '%s': too many positional "
                                          "parameters", spec);
        return xl_err (x, line, m);
      }
      pos++;
    }
    if (!e)
      break;
    p = e + 1;
  }
  return 0;
}

static enum guest_bus
vdev_bus (const char *vdev)
{
  if (strncmp (vdev, "hd", 2) == 0) return GUEST_BUS_IDE;
  if (strncmp (vdev, "sd", 2) == 0) return GUEST_BUS_SCSI;
  return GUEST_BUS_XEN;         /* xvdX, dNpM */
}

static int
add_disk (struct xl *x, struct guest *g, const char *spec, int line)
{
  struct dspec d;
  struct guest_disk *gd;
  char *colon;
  bool cdrom;

  if (parse_dspec (x, spec, line, &d) == -1) {
    dspec_free (&d);
    return -1;
  }
  if (d.vdev && strncmp (d.vdev, "ioemu:", 6) == 0)
    memmove (d.vdev, d.vdev + 6, strlen (d.vdev + 6) + 1);
  if (d.vdev && (colon = strchr (d.vdev, ':'))) {   /* hdc:cdrom */
    if (strcmp (colon + 1, "cdrom") == 0)
      dspec_set (&d.devtype, "cdrom", 5);
    *colon = '\0';
  }
  if (!d.vdev || !*d.vdev) {
    CLEANUP_FREE char *m = xasprintf ("disk '%s' has no vdev", spec);
    dspec_free (&d);
    return xl_err (x, line, m);
  }
  cdrom = d.devtype && strcmp (d.devtype, "cdrom") == 0;
  gd = guest_add_disk (cdrom ? &g->removables : &g->disks);
  gd->device = cdrom ? GUEST_DEV_CDROM : GUEST_DEV_DISK;
  gd->bus = vdev_bus (d.vdev);
  gd->target = xstrdup (d.vdev);
  gd->readonly = cdrom || (d.access && (strcmp (d.access, "r") == 0 ||
                                        strcmp (d.access, "ro") == 0));
  if (d.backendtype && strcmp (d.backendtype, "phy") == 0)
    d.is_block = true;
  if (d.target && *d.target) {
    if (d.script)
      gd->path = xstrdup (d.target);      /* not a path: iscsi, drbd ... */
    else if (d.is_block && d.target[0] != '/')
      gd->path = xasprintf ("/dev/%s", d.target);
    else if (strchr (d.target, ':') && d.target[0] != '/') {
      warning ("network-disk", "%s:%d: disk '%s' is a network or script target; v2kvm "
               "cannot read it", x->path, line, d.target);
      gd->path = xstrdup (d.target);
    }
    else
      gd->path = guest_abs_path (x->path, d.target);
    gd->is_block = d.is_block;
  }
  if (d.format && *d.format)
    gd->format = xstrdup (d.format);
  else if (gd->path && !gd->is_block)
    gd->format = cfg_format_from_name (gd->path) ?
      xstrdup (cfg_format_from_name (gd->path)) : NULL;
  dspec_free (&d);
  return 0;
}

/* ---- vif specs ---- */

static int
add_vif (struct xl *x, struct guest *g, const char *spec, int line, bool hvm)
{
  struct guest_nic *nic = guest_add_nic (g);
  CLEANUP_FREE char *copy = xstrdup (spec);
  char *save = NULL, *tok;
  const char *type = NULL;
  CLEANUP_FREE char *script = NULL;

  nic->type = GUEST_NET_BRIDGE;
  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save)) {
    char *eq = strchr (tok, '=');
    const char *k = tok, *v;
    while (isspace ((unsigned char) *k)) k++;
    if (!eq)
      continue;
    *eq = '\0';
    v = eq + 1;
    if (strcmp (k, "mac") == 0) {
      if (guest_set_mac (&nic->mac, v) == -1) {
        CLEANUP_FREE char *m = xasprintf ("vif: invalid MAC address '%s'", v);
        return xl_err (x, line, m);
      }
    }
    else if (strcmp (k, "bridge") == 0) {
      free (nic->network);
      nic->network = xstrdup (v);
    }
    else if (strcmp (k, "model") == 0) {
      free (nic->model_name);
      nic->model_name = xstrdup (v);
    }
    else if (strcmp (k, "type") == 0)
      type = v;
    else if (strcmp (k, "script") == 0) {
      free (script);
      script = xstrdup (v);
    }
  }
  /* HVM NICs are emulated (rtl8139 unless model=) unless type=vif;
   * PV NICs are netfront. */
  if (nic->model_name) {
    static const struct { const char *n; enum guest_nic_model m; } map[] = {
      { "e1000", GUEST_NIC_E1000 }, { "rtl8139", GUEST_NIC_RTL8139 },
      { "netfront", GUEST_NIC_NETFRONT }, { "virtio-net", GUEST_NIC_VIRTIO },
      { "virtio", GUEST_NIC_VIRTIO }, { "e1000e", GUEST_NIC_E1000E },
      { "pcnet", GUEST_NIC_PCNET },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; ++i)
      if (strcmp (nic->model_name, map[i].n) == 0)
        nic->model = map[i].m;
  }
  else if (type && (strcmp (type, "vif") == 0 ||
                    strcmp (type, "netfront") == 0))
    nic->model = GUEST_NIC_NETFRONT;
  else if (hvm)
    nic->model = GUEST_NIC_RTL8139;
  else
    nic->model = GUEST_NIC_NETFRONT;
  /* Open vSwitch: bridge=ovsbr0.10 (VLAN 10) or ovsbr0:10:20 (trunk). */
  if (nic->network && script && strstr (script, "openvswitch")) {
    char *sep = strpbrk (nic->network, ".:");
    if (sep) {
      nic->label = xstrdup (sep + 1);
      *sep = '\0';
    }
  }
  return 0;
}

/* ---- the whole guest ---- */

static enum guest_builder
builder_of (struct xl *x)
{
  const char *type = NULL, *builder = NULL, *kernel = NULL;

  xl_get_str (x, "type", &type);
  xl_get_str (x, "builder", &builder);
  xl_get_str (x, "kernel", &kernel);
  if (type)
    return strcmp (type, "hvm") == 0 ? GUEST_BUILDER_HVM
      : strcmp (type, "pvh") == 0 ? GUEST_BUILDER_PVH : GUEST_BUILDER_PV;
  if (builder && strcmp (builder, "hvm") == 0)
    return GUEST_BUILDER_HVM;
  if (kernel && strstr (kernel, "hvmloader"))       /* xm HVM */
    return GUEST_BUILDER_HVM;
  return GUEST_BUILDER_PV;
}

static int
check_types (struct xl *x)
{
  static const char *const strs[] = {
    "name", "uuid", "type", "builder", "kernel", "ramdisk", "extra", "root",
    "cmdline", "bootloader", "firmware", "bios", "cdrom", "soundhw",
    "stdvga", "vnc", "sdl",
  };
  const char *s;

  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; ++i)
    if (xl_get_str (x, strs[i], &s) == -1)
      return -1;
  return 0;
}

static int
set_memory_cpus (struct xl *x, struct guest *g)
{
  int64_t mem, maxmem, vcpus, maxvcpus;
  struct xval *v;

  if (xl_get_num (x, "memory", 128, &mem) == -1 ||
      xl_get_num (x, "maxmem", 0, &maxmem) == -1 ||
      xl_get_num (x, "vcpus", 1, &vcpus) == -1 ||
      xl_get_num (x, "maxvcpus", 0, &maxvcpus) == -1)
    return -1;
  if (mem <= 0 || mem > (int64_t) (CFG_MAX_MEMORY >> 20) ||
      maxmem < 0 || maxmem > (int64_t) (CFG_MAX_MEMORY >> 20)) {
    v = xl_lookup (x, mem <= 0 || mem > (int64_t) (CFG_MAX_MEMORY >> 20)
                ? "memory" : "maxmem");
    return xl_err (x, v->line, "memory must be between 1 MiB and 16 TiB");
  }
  if (vcpus <= 0 || vcpus > CFG_MAX_VCPUS || maxvcpus < 0 ||
      maxvcpus > CFG_MAX_VCPUS) {
    v = xl_lookup (x, vcpus <= 0 || vcpus > CFG_MAX_VCPUS ? "vcpus" : "maxvcpus");
    return xl_err (x, v->line, "vcpus must be between 1 and 4096");
  }
  g->memory = (uint64_t) mem << 20;
  if (maxmem > mem)
    g->max_memory = (uint64_t) maxmem << 20;
  g->vcpus = vcpus;
  if (maxvcpus > vcpus)
    g->max_vcpus = maxvcpus;
  /* xm: vcpu_avail is a bitmap of the vCPUs online at boot. */
  if ((v = xl_lookup (x, "vcpu_avail")) && maxvcpus == 0) {
    int64_t avail;
    if (xl_get_num (x, "vcpu_avail", 0, &avail) == -1)
      return -1;
    if (avail > 0 && __builtin_popcountll (avail) < vcpus) {
      g->max_vcpus = vcpus;
      g->vcpus = __builtin_popcountll (avail);
    }
  }
  return 0;
}

static void
dup_str (struct xl *x, const char *key, char **dst)
{
  const char *s;

  if (xl_get_str (x, key, &s) == 0 && s && *s)
    *dst = xstrdup (s);
}

static void
set_os (struct xl *x, struct guest *g)
{
  const char *fw = NULL, *bios = NULL, *vnc = NULL, *sdl = NULL;
  struct xval *ba = xl_lookup (x, "bootloader_args");
  bool hvm = g->os.builder == GUEST_BUILDER_HVM;

  if (!hvm)
    dup_str (x, "kernel", &g->os.kernel);
  dup_str (x, "ramdisk", &g->os.ramdisk);
  dup_str (x, "cmdline", &g->os.cmdline);
  if (!g->os.cmdline)
    dup_str (x, "extra", &g->os.cmdline);
  dup_str (x, "root", &g->os.root);
  dup_str (x, "bootloader", &g->os.bootloader);
  if (ba && ba->t == V_STR)
    g->os.bootloader_args = xstrdup (ba->s);
  else if (ba && ba->t == V_LIST) {
    char *s = xstrdup ("");
    for (size_t i = 0; i < ba->n; ++i) {
      char *t = xasprintf ("%s%s%s", s, i ? " " : "",
                           ba->items[i].s ? ba->items[i].s : "");
      free (s);
      s = t;
    }
    g->os.bootloader_args = s;
  }
  xl_get_str (x, "firmware", &fw);
  xl_get_str (x, "bios", &bios);
  if ((fw && (strcmp (fw, "uefi") == 0 || strcmp (fw, "ovmf") == 0)) ||
      (bios && strcmp (bios, "ovmf") == 0))
    g->firmware = GUEST_FW_UEFI;
  else
    g->firmware = hvm ? GUEST_FW_BIOS : GUEST_FW_UNKNOWN;
  g->machine = xstrdup (hvm ? "xenfv" : g->os.builder == GUEST_BUILDER_PVH
                        ? "xenpvh" : "xenpv");
  g->video = hvm ? GUEST_VIDEO_CIRRUS : GUEST_VIDEO_XEN;
  {
    int64_t stdvga = 0, localtime = 0;
    xl_get_num (x, "stdvga", 0, &stdvga);
    xl_get_num (x, "localtime", 0, &localtime);
    if (hvm && stdvga)
      g->video = GUEST_VIDEO_VGA;
    g->localtime = localtime != 0;
  }
  vnc = xl_lookup (x, "vnc") ? xl_lookup (x, "vnc")->s : NULL;
  sdl = xl_lookup (x, "sdl") ? xl_lookup (x, "sdl")->s : NULL;
  if ((vnc && strcmp (vnc, "0") != 0) || xl_lookup (x, "vfb"))
    g->display = GUEST_DISPLAY_VNC;
  else if (sdl && strcmp (sdl, "0") != 0)
    g->display = GUEST_DISPLAY_SDL;
  dup_str (x, "soundhw", &g->sound);
}

/* Each string item of a list setting, or the setting itself if it is
 * one string. */
static int
each_item (struct xl *x, struct guest *g, const char *key,
           int (*fn) (struct xl *, struct guest *, const char *, int))
{
  struct xval *v = xl_lookup (x, key);

  if (!v)
    return 0;
  if (v->t == V_STR)
    return fn (x, g, v->s, v->line);
  if (v->t != V_LIST) {
    CLEANUP_FREE char *m = xasprintf ("%s: expected a list of strings", key);
    return xl_err (x, v->line, m);
  }
  if (v->n > CFG_MAX_DEVICES) {
    CLEANUP_FREE char *m = xasprintf ("%s: more than %d devices", key,
                                      CFG_MAX_DEVICES);
    return xl_err (x, v->line, m);
  }
  for (size_t i = 0; i < v->n; ++i) {
    if (v->items[i].t != V_STR) {
      CLEANUP_FREE char *m = xasprintf ("%s: item %zu is not a string",
                                        key, i + 1);
      return xl_err (x, v->items[i].line, m);
    }
    if (fn (x, g, v->items[i].s, v->items[i].line) == -1)
      return -1;
  }
  return 0;
}

static int
disk_item (struct xl *x, struct guest *g, const char *s, int line)
{
  return add_disk (x, g, s, line);
}

static int
vif_item (struct xl *x, struct guest *g, const char *s, int line)
{
  return add_vif (x, g, s, line, g->os.builder == GUEST_BUILDER_HVM);
}

static int
serial_item (struct xl *x, struct guest *g, const char *s, int line)
{
  struct guest_serial ser = { .index = g->serials.len };

  if (strcmp (s, "none") == 0)
    return 0;
  ser.type = xstrndup (s, strcspn (s, ":"));
  if (strchr (s, ':'))
    ser.path = xstrdup (strchr (s, ':') + 1);
  guest_serial_vector_append (&g->serials, ser);
  return 0;
}

static int
xl_to_guest (struct xl *x, struct guest *g)
{
  const char *name, *uuid, *cdrom;

  if (check_types (x) == -1)
    return -1;
  xl_get_str (x, "name", &name);
  if (!name || !*name) {
    set_error (EINVAL, "%s: no 'name' setting (xl requires one; is this "
               "a guest config?)", x->path);
    return -1;
  }
  g->name = xstrdup (name);
  xl_get_str (x, "uuid", &uuid);
  if (uuid && !(g->uuid = guest_uuid_canonical (uuid)))
    return xl_err (x, xl_lookup (x, "uuid")->line, "uuid is not a UUID");
  g->os.builder = builder_of (x);
  g->origin = g->os.builder == GUEST_BUILDER_HVM ? GUEST_ORIGIN_XEN_HVM
    : g->os.builder == GUEST_BUILDER_PVH ? GUEST_ORIGIN_XEN_PVH
    : GUEST_ORIGIN_XEN_PV;
  if (set_memory_cpus (x, g) == -1)
    return -1;
  set_os (x, g);
  if (each_item (x, g, "disk", disk_item) == -1 ||
      each_item (x, g, "vif", vif_item) == -1 ||
      each_item (x, g, "serial", serial_item) == -1)
    return -1;
  /* xm HVM: cdrom = "PATH" is hdc. */
  xl_get_str (x, "cdrom", &cdrom);
  if (cdrom && g->os.builder == GUEST_BUILDER_HVM) {
    struct guest_disk *d = guest_add_disk (&g->removables);
    d->device = GUEST_DEV_CDROM;
    d->bus = GUEST_BUS_IDE;
    d->target = xstrdup ("hdc");
    d->readonly = true;
    if (*cdrom)
      d->path = guest_abs_path (x->path, cdrom);
  }
  return 0;
}

static int
xl_parse (const char *buf, size_t len, const char *path, struct guest **out)
{
  struct xl x = { .path = path, .p = buf, .end = buf + len, .line = 1 };
  int r;

  *out = guest_new ();
  r = xl_parse_all (&x);
  if (r == 0)
    r = xl_to_guest (&x, *out);
  for (size_t i = 0; i < x.nset; ++i) {
    free (x.set[i].key);
    xl_xval_free (&x.set[i].v);
  }
  free (x.set);
  strindex_free (&x.ix);
  return r;
}

static int
xl_probe (const char *head, size_t len, const char *path)
{
  size_t plen = path ? strlen (path) : 0;
  int score = 0;

  if (memmem (head, len, "name", 4) && memchr (head, '=', len))
    score = 10;
  if (memmem (head, len, "disk", 4) || memmem (head, len, "vif", 3))
    score += 20;
  if (memmem (head, len, "builder", 7) || memmem (head, len, "kernel", 6))
    score += 20;
  if (plen > 4 && strcmp (path + plen - 4, ".cfg") == 0)
    score += 10;
  if (len && head[0] == '<')
    score = 0;
  return score;
}

const struct cfg_reader xl_cfg = {
  .name = "xl",
  .probe = xl_probe,
  .parse = xl_parse,
};
