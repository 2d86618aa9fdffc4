/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: VMware .vmx reader (docs/formats.md §7).
 *
 * Follows the key mapping of libvirt src/vmx/vmx.c (its long comment is
 * the best public description of .vmx keys) and virt-v2v
 * input/parse_domain_from_vmx.ml (disk order: SCSI, SATA, IDE, NVMe;
 * removables: CD-ROMs and floppies).  Syntax: `key = "value"` lines, '#'
 * comments, case-insensitive keys, `|XX` hex escapes in values, an
 * optional `.encoding` line naming the charset of the whole file.
 *
 * What it does not do: open the disks (fileName may name the top of a
 * snapshot chain; the VMDK reader follows it), decrypt encrypted VMs
 * (encryption.keySafe / encryption.data: refused with ENOTSUP), map PCI
 * slots, or read the .vmxf/.nvram side files.
 */
#include <config.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "cleanup.h"
#include "error.h"
#include "strindex.h"
#include "vector.h"
#include "xalloc.h"

struct kv {
  char *key;                    /* lower case */
  char *val;                    /* unescaped */
  int line;
};
DEFINE_VECTOR_TYPE (kv_vector, struct kv);

struct vmx {
  const char *path;
  kv_vector kvs;
  struct strindex ix;           /* key -> position in kvs, any case */
};

static const char *
key_at (const void *opaque, size_t i)
{
  const struct vmx *v = opaque;

  return v->kvs.ptr[i].key;
}

static void
vmx_free (struct vmx *v)
{
  for (size_t i = 0; i < v->kvs.len; ++i) {
    free (v->kvs.ptr[i].key);
    free (v->kvs.ptr[i].val);
  }
  kv_vector_reset (&v->kvs);
  strindex_free (&v->ix);
}

/* Keys are looked up once per line and dozens of times per device slot:
 * with tens of thousands of keys a linear search made reading quadratic
 * (bench/cfg-keys.sh). */
static struct kv *
find (const struct vmx *v, const char *key)
{
  long i = strindex_find (&v->ix, key);

  return i < 0 ? NULL : &v->kvs.ptr[i];
}

static struct kv *
getkv (const struct vmx *v, const char *fmt, ...)
  __attribute__((format (printf, 2, 3)));
static struct kv *
getkv (const struct vmx *v, const char *fmt, ...)
{
  char key[256];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (key, sizeof key, fmt, ap);
  va_end (ap);
  return find (v, key);
}

/* The value of a key built with printf, or NULL. */
#define get(v, ...) \
  ({ struct kv *kv_ = getkv ((v), __VA_ARGS__); kv_ ? kv_->val : NULL; })

static bool
is_true (const char *s)
{
  return s && (strcasecmp (s, "true") == 0 || strcasecmp (s, "yes") == 0 ||
               strcmp (s, "1") == 0);
}

/* Decode `|XX` escapes in place. */
static void
unescape (char *s)
{
  char *w = s;

  for (; *s; ++s) {
    if (s[0] == '|' && isxdigit ((unsigned char) s[1]) &&
        isxdigit ((unsigned char) s[2])) {
      char hex[3] = { s[1], s[2], 0 };
      *w++ = (char) strtoul (hex, NULL, 16);
      s += 2;
    }
    else
      *w++ = *s;
  }
  *w = '\0';
}

/* Parse one line [p, end) into kvs.  Blank and comment lines are fine. */
static int
parse_line (struct vmx *v, const char *p, const char *end, int line)
{
  const char *k, *ke, *vs, *ve;
  struct kv kv, *old;

  while (p < end && isspace ((unsigned char) *p)) p++;
  while (end > p && isspace ((unsigned char) end[-1])) end--;
  if (p == end || *p == '#')
    return 0;
  k = p;
  while (p < end && *p != '=' && !isspace ((unsigned char) *p)) p++;
  ke = p;
  while (p < end && isspace ((unsigned char) *p)) p++;
  if (k == ke || p == end || *p != '=') {
    set_error (EINVAL, "%s:%d: expected 'key = \"value\"'", v->path, line);
    return -1;
  }
  p++;
  while (p < end && isspace ((unsigned char) *p)) p++;
  if (p < end && *p == '"') {
    vs = ++p;
    while (p < end && *p != '"') p++;
    if (p == end) {
      set_error (EINVAL, "%s:%d: unterminated string", v->path, line);
      return -1;
    }
    ve = p++;
    while (p < end && isspace ((unsigned char) *p)) p++;
    if (p < end && *p != '#') {
      set_error (EINVAL, "%s:%d: unexpected text after the closing quote",
                 v->path, line);
      return -1;
    }
  }
  else {                        /* unquoted (hand-edited files) */
    vs = p;
    ve = end;
  }
  kv.key = xstrndup (k, ke - k);
  for (char *c = kv.key; *c; ++c) *c = tolower ((unsigned char) *c);
  kv.val = xstrndup (vs, ve - vs);
  unescape (kv.val);
  kv.line = line;
  old = find (v, kv.key);
  if (old && strcmp (old->val, kv.val) != 0) {
    set_error (EINVAL, "%s:%d: duplicate key '%s' (first set on line %d "
               "to a different value)", v->path, line, kv.key, old->line);
    free (kv.key);
    free (kv.val);
    return -1;
  }
  if (old) {
    warning ("config-key-repeated", "%s:%d: key '%s' repeated", v->path, line, kv.key);
    free (kv.key);
    free (kv.val);
    return 0;
  }
  kv_vector_append (&v->kvs, kv);
  strindex_add (&v->ix, v->kvs.len - 1);
  return 0;
}

static int
parse_text (struct vmx *v, const char *buf, size_t len)
{
  const char *p = buf, *end = buf + len;
  int line = 1;

  if (memchr (buf, '\0', len)) {
    set_error (EINVAL, "%s: binary data in a .vmx file", v->path);
    return -1;
  }
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *le = nl ? nl : end;
    if (parse_line (v, p, le, line) == -1)
      return -1;
    p = nl ? nl + 1 : end;
    line++;
  }
  return 0;
}

/* Convert buf from charset to UTF-8: a new malloc'd buffer, or NULL. */
static char *
recode (const char *path, const char *charset, const char *buf, size_t len,
        size_t *outlen)
{
  iconv_t cd = iconv_open ("UTF-8", charset);
  size_t cap = len * 4 + 1, left = cap;
  char *out, *o, *in = (char *) buf;

  if (cd == (iconv_t) -1) {
    set_error (ENOTSUP, "%s: unknown .encoding '%s'", path, charset);
    return NULL;
  }
  out = o = xmalloc (cap);
  if (iconv (cd, &in, &len, &o, &left) == (size_t) -1) {
    set_error (EINVAL, "%s: text is not valid %s", path, charset);
    free (out);
    iconv_close (cd);
    return NULL;
  }
  iconv_close (cd);
  *outlen = o - out;
  return out;
}

static int
read_vmx (struct vmx *v, const char *buf, size_t len)
{
  const char *enc;
  CLEANUP_FREE char *charset = NULL;
  CLEANUP_FREE char *utf8 = NULL;
  size_t ulen;

  if (parse_text (v, buf, len) == -1)
    return -1;
  enc = get (v, ".encoding");
  if (!enc || strcasecmp (enc, "UTF-8") == 0 || strcasecmp (enc, "UTF8") == 0)
    return 0;
  charset = xstrdup (enc);
  utf8 = recode (v->path, charset, buf, len, &ulen);
  if (!utf8)
    return -1;
  vmx_free (v);
  return parse_text (v, utf8, ulen);
}

/* ---- devices ---- */

struct bus_desc {
  const char *prefix;           /* "scsi" */
  enum guest_bus bus;
  int controllers, units, skip_unit;
  bool needs_controller;        /* scsiN.present must be TRUE (libvirt) */
};

static const struct bus_desc buses[] = {
  { "scsi", GUEST_BUS_SCSI, 4, 16, 7, true },
  { "sata", GUEST_BUS_SATA, 4, 30, -1, true },
  { "ide", GUEST_BUS_IDE, 2, 2, -1, false },
  { "nvme", GUEST_BUS_NVME, 4, 15, -1, true },
};

static int
device_kind (const char *type, const char *file, enum guest_device *kind)
{
  static const char *const disks[] = {
    "scsi-hardDisk", "disk", "ata-hardDisk", "sata-hardDisk",
    "nvme-hardDisk", "plainDisk", "rawDisk",
  };
  if (!type) {
    /* libvirt: without deviceType, a .iso is a CD-ROM, the rest disks */
    size_t n = file ? strlen (file) : 0;
    *kind = n > 4 && strcasecmp (file + n - 4, ".iso") == 0
      ? GUEST_DEV_CDROM : GUEST_DEV_DISK;
    return 0;
  }
  for (size_t i = 0; i < sizeof disks / sizeof disks[0]; ++i)
    if (strcasecmp (type, disks[i]) == 0) {
      *kind = GUEST_DEV_DISK;
      return 0;
    }
  if (strcasecmp (type, "cdrom-image") == 0 ||
      strcasecmp (type, "atapi-cdrom") == 0 ||
      strcasecmp (type, "cdrom-raw") == 0) {
    *kind = GUEST_DEV_CDROM;
    return 0;
  }
  return -1;
}

static void
add_device (struct vmx *v, struct guest *g, const struct bus_desc *b,
            int c, int u)
{
  const char *type = get (v, "%s%d:%d.devicetype", b->prefix, c, u);
  const char *file = get (v, "%s%d:%d.filename", b->prefix, c, u);
  enum guest_device kind;
  struct guest_disk *d;

  /* libvirt: devices in client mode (the VI client's own drive) have no
   * image to carry over. */
  if (is_true (get (v, "%s%d:%d.clientdevice", b->prefix, c, u))) {
    debug ("%s: %s%d:%d: client device skipped", v->path, b->prefix, c, u);
    return;
  }

  if (device_kind (type, file, &kind) == -1) {
    warning ("device-ignored", "%s: %s%d:%d: device type '%s' ignored", v->path, b->prefix,
             c, u, type ? type : "(none)");
    return;
  }
  if (kind == GUEST_DEV_DISK && (!file || !*file)) {
    warning ("disk-no-file", "%s: %s%d:%d: disk without a fileName ignored", v->path,
             b->prefix, c, u);
    return;
  }
  d = guest_add_disk (kind == GUEST_DEV_DISK ? &g->disks : &g->removables);
  d->device = kind;
  d->bus = b->bus;
  d->target = xasprintf ("%s%d:%d", b->prefix, c, u);
  d->slot = c * b->units + u;
  if (kind == GUEST_DEV_CDROM) {
    d->readonly = true;
    if (type && strcasecmp (type, "cdrom-image") != 0) {
      if (file && *file && strcasecmp (file, "auto detect") != 0) {
        d->path = xstrdup (file);
        d->is_block = true;
      }
      return;
    }
  }
  if (file && *file) {
    d->path = guest_abs_path (v->path, file);
    if (cfg_format_from_name (file))
      d->format = xstrdup (cfg_format_from_name (file));
  }
}

static int
add_disks (struct vmx *v, struct guest *g)
{
  for (size_t i = 0; i < sizeof buses / sizeof buses[0]; ++i) {
    const struct bus_desc *b = &buses[i];
    for (int c = 0; c < b->controllers; ++c) {
      if (b->needs_controller && !is_true (get (v, "%s%d.present",
                                                b->prefix, c)))
        continue;
      for (int u = 0; u < b->units; ++u)
        if (u != b->skip_unit &&
            is_true (get (v, "%s%d:%d.present", b->prefix, c, u)))
          add_device (v, g, b, c, u);
    }
  }
  return 0;
}

static void
add_floppies (struct vmx *v, struct guest *g)
{
  for (int n = 0; n < 2; ++n) {
    const char *file = get (v, "floppy%d.filename", n);
    const char *ftype = get (v, "floppy%d.filetype", n);
    struct guest_disk *d;

    if (!is_true (get (v, "floppy%d.present", n)) ||
        is_true (get (v, "floppy%d.clientdevice", n)))
      continue;
    d = guest_add_disk (&g->removables);
    d->device = GUEST_DEV_FLOPPY;
    d->bus = GUEST_BUS_FDC;
    d->target = xasprintf ("floppy%d", n);
    d->slot = n;
    if (!file || !*file)
      continue;
    if ((ftype && strcasecmp (ftype, "device") == 0) ||
        (!ftype && strncmp (file, "/dev/", 5) == 0)) {
      d->path = xstrdup (file);
      d->is_block = true;
    }
    else
      d->path = guest_abs_path (v->path, file);
  }
}

static const struct { const char *name; enum guest_nic_model model; }
nic_models[] = {
  { "vlance", GUEST_NIC_PCNET }, { "vmxnet", GUEST_NIC_VMXNET },
  { "vmxnet2", GUEST_NIC_VMXNET2 }, { "vmxnet3", GUEST_NIC_VMXNET3 },
  { "e1000", GUEST_NIC_E1000 }, { "e1000e", GUEST_NIC_E1000E },
};

static int
add_nic (struct vmx *v, struct guest *g, int n)
{
  const char *dev = get (v, "ethernet%d.virtualdev", n);
  const char *atype = get (v, "ethernet%d.addresstype", n);
  const char *conn = get (v, "ethernet%d.connectiontype", n);
  const char *net;
  struct kv *mkv;
  struct guest_nic *nic = guest_add_nic (g);

  if (dev) {
    nic->model_name = xstrdup (dev);
    for (size_t i = 0; i < sizeof nic_models / sizeof nic_models[0]; ++i)
      if (strcasecmp (dev, nic_models[i].name) == 0)
        nic->model = nic_models[i].model;
    if (nic->model == GUEST_NIC_VMXNET &&
        strcmp (get (v, "ethernet%d.features", n) ?: "", "15") == 0)
      nic->model = GUEST_NIC_VMXNET2;
    if (nic->model == GUEST_NIC_UNKNOWN)
      warning ("nic-model-unknown", "%s: ethernet%d: unknown virtualDev '%s'", v->path, n, dev);
  }
  if (atype && strcasecmp (atype, "static") == 0)
    mkv = getkv (v, "ethernet%d.address", n);
  else if (atype)
    mkv = getkv (v, "ethernet%d.generatedaddress", n);
  else
    mkv = getkv (v, "ethernet%d.address", n) ?:
      getkv (v, "ethernet%d.generatedaddress", n);
  if (mkv && *mkv->val && guest_set_mac (&nic->mac, mkv->val) == -1) {
    set_error (EINVAL, "%s:%d: invalid MAC address '%s'", v->path,
               mkv->line, mkv->val);
    return -1;
  }
  /* libvirt vmx.c: networkName is the port group whatever the
   * connectionType; "custom" adds a vmnet device, kept as the label. */
  net = get (v, "ethernet%d.networkname", n);
  nic->type = GUEST_NET_NETWORK;
  if (net && *net)
    nic->network = xstrdup (net);
  if (conn && strcasecmp (conn, "custom") == 0 &&
      get (v, "ethernet%d.vnet", n))
    nic->label = xstrdup (get (v, "ethernet%d.vnet", n));
  else if (get (v, "ethernet%d.dvs.portgroupid", n))
    nic->label = xstrdup (get (v, "ethernet%d.dvs.portgroupid", n));
  return 0;
}

static void
add_serials (struct vmx *v, struct guest *g)
{
  for (int n = 0; n < 4; ++n) {
    const char *t = get (v, "serial%d.filetype", n);
    const char *f = get (v, "serial%d.filename", n);
    struct guest_serial s = { .index = n };

    if (!is_true (get (v, "serial%d.present", n)))
      continue;
    s.type = xstrdup (t ? t : "device");
    s.path = f && *f ? xstrdup (f) : NULL;
    guest_serial_vector_append (&g->serials, s);
  }
}

/* A decimal key: 0 and *out (dflt when absent), or -1 + error. */
static int
get_number (struct vmx *v, const char *key, uint64_t dflt, uint64_t max,
            uint64_t *out)
{
  struct kv *kv = find (v, key);

  *out = dflt;
  if (!kv)
    return 0;
  if (cfg_parse_u64 (kv->val, out) == -1 || *out > max) {
    set_error (EINVAL, "%s:%d: %s: '%s' is not a number in range",
               v->path, kv->line, key, kv->val);
    return -1;
  }
  return 0;
}

static int
set_cpu_memory (struct vmx *v, struct guest *g)
{
  uint64_t mib, n, cores;

  /* memsize in MiB, default 32 (libvirt vmx.c). */
  if (get_number (v, "memsize", 32, UINT64_MAX >> 20, &mib) == -1)
    return -1;
  if ((mib << 20) > CFG_MAX_MEMORY) {
    set_error (EINVAL, "%s:%d: memsize: memory of %" PRIu64 " bytes is "
               "more than 16 TiB", v->path, find (v, "memsize")->line,
               mib << 20);
    return -1;
  }
  g->memory = mib << 20;
  if (get_number (v, "numvcpus", 1, CFG_MAX_VCPUS, &n) == -1 ||
      get_number (v, "cpuid.corespersocket", 0, CFG_MAX_VCPUS, &cores) == -1)
    return -1;
  if (n == 0) {
    set_error (EINVAL, "%s: numvcpus is 0", v->path);
    return -1;
  }
  g->vcpus = n;
  if (cores && n % cores == 0) {
    g->cores = cores;
    g->sockets = n / cores;
    g->threads = 1;
  }
  return 0;
}

static void
set_identity (struct vmx *v, struct guest *g)
{
  const char *name = get (v, "displayname");
  const char *uuid = get (v, "uuid.bios");
  const char *os = get (v, "guestos");
  const char *hw = get (v, "virtualhw.version");

  if (name && *name)
    g->name = xstrdup (name);
  else {                        /* virt-v2v: the file name without .vmx */
    const char *b = strrchr (v->path, '/') ? strrchr (v->path, '/') + 1
      : v->path;
    size_t len = strlen (b);
    if (len > 4 && strcasecmp (b + len - 4, ".vmx") == 0)
      len -= 4;
    g->name = xstrndup (b, len);
  }
  if (uuid && !(g->uuid = guest_uuid_canonical (uuid)))
    warning ("uuid-invalid", "%s: uuid.bios '%s' is not a UUID, ignored", v->path, uuid);
  if (os) {
    size_t len = strlen (os);
    g->os.id = xstrdup (os);
    g->os.arch = xstrdup (len > 3 && strcmp (os + len - 3, "-64") == 0
                          ? "x86_64" : "i686");
  }
  if (hw)
    g->machine = xasprintf ("vmx-%02d", atoi (hw));
}

static void
set_firmware (struct vmx *v, struct guest *g)
{
  const char *fw = get (v, "firmware");

  g->firmware = fw && strcasecmp (fw, "efi") == 0 ? GUEST_FW_UEFI
    : GUEST_FW_BIOS;
  g->secure_boot = g->firmware == GUEST_FW_UEFI &&
    is_true (get (v, "uefi.secureboot.enabled"));
  if (is_true (get (v, "svga.present")) || !get (v, "svga.present"))
    g->video = GUEST_VIDEO_VMVGA;
  if (is_true (get (v, "remotedisplay.vnc.enabled")))
    g->display = GUEST_DISPLAY_VNC;
  if (is_true (get (v, "sound.present")))
    g->sound = xstrdup (get (v, "sound.virtualdev") ?: "es1371");
}

static int
vmx_to_guest (struct vmx *v, struct guest *g)
{
  struct kv *enc = find (v, "encryption.keysafe") ?:
    find (v, "encryption.data");

  if (enc) {
    set_error (ENOTSUP, "%s:%d: the VM is encrypted (%s); decrypt it in "
               "VMware before converting", v->path, enc->line, enc->key);
    error_set_code ("encrypted-vm");
    return -1;
  }
  g->origin = GUEST_ORIGIN_VMWARE;
  set_identity (v, g);
  if (set_cpu_memory (v, g) == -1)
    return -1;
  set_firmware (v, g);
  add_disks (v, g);
  add_floppies (v, g);
  for (int n = 0; n < 10; ++n)
    if (is_true (get (v, "ethernet%d.present", n)) && add_nic (v, g, n) == -1)
      return -1;
  add_serials (v, g);
  return 0;
}

static int
vmx_parse (const char *buf, size_t len, const char *path, struct guest **out)
{
  struct vmx v = { .path = path, .kvs = empty_vector };
  int r;

  v.ix = (struct strindex) STRINDEX_INIT (true, key_at, &v);
  *out = guest_new ();
  r = read_vmx (&v, buf, len);
  if (r == 0)
    r = vmx_to_guest (&v, *out);
  vmx_free (&v);
  return r;
}

static int
vmx_probe (const char *head, size_t len, const char *path)
{
  size_t plen = path ? strlen (path) : 0;

  if (plen > 4 && strcasecmp (path + plen - 4, ".vmx") == 0)
    return 80;
  if (memmem (head, len, "config.version", 14) ||
      memmem (head, len, "virtualHW.version", 17) ||
      memmem (head, len, ".encoding", 9))
    return 60;
  return 0;
}

const struct cfg_reader vmx_cfg = {
  .name = "vmx",
  .probe = vmx_probe,
  .parse = vmx_parse,
};
