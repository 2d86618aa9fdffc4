/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: struct guest helpers: allocation, names, the stable text and
 * JSON dumps used by `v2kvm source show` and the golden tests (after
 * virt-v2v lib/types.ml string_of_source), MAC / UUID normalisation. */
#include <config.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest.h"
#include "json.h"
#include "xalloc.h"

struct guest *
guest_new (void)
{
  return xzalloc (sizeof (struct guest));
}

static void
free_disks (guest_disk_vector *v)
{
  for (size_t i = 0; i < v->len; ++i) {
    free (v->ptr[i].path);
    free (v->ptr[i].format);
    free (v->ptr[i].target);
    free (v->ptr[i].ref);
    free (v->ptr[i].compression);
  }
  guest_disk_vector_reset (v);
}

void
guest_free (struct guest *g)
{
  if (!g)
    return;
  free (g->name);
  free (g->uuid);
  free (g->config_path);
  free (g->machine);
  free (g->sound);
  free_disks (&g->disks);
  free_disks (&g->removables);
  for (size_t i = 0; i < g->nics.len; ++i) {
    free (g->nics.ptr[i].mac);
    free (g->nics.ptr[i].model_name);
    free (g->nics.ptr[i].network);
    free (g->nics.ptr[i].label);
  }
  guest_nic_vector_reset (&g->nics);
  for (size_t i = 0; i < g->serials.len; ++i) {
    free (g->serials.ptr[i].type);
    free (g->serials.ptr[i].path);
  }
  guest_serial_vector_reset (&g->serials);
  free (g->os.id);
  free (g->os.ovf_id);
  free (g->os.description);
  free (g->os.arch);
  free (g->os.kernel);
  free (g->os.ramdisk);
  free (g->os.cmdline);
  free (g->os.root);
  free (g->os.bootloader);
  free (g->os.bootloader_args);
  free (g);
}

struct guest_disk *
guest_add_disk (guest_disk_vector *v)
{
  struct guest_disk d = { .slot = -1 };

  guest_disk_vector_append (v, d);
  return &v->ptr[v->len - 1];
}

struct guest_nic *
guest_add_nic (struct guest *g)
{
  struct guest_nic n = { .model = GUEST_NIC_UNKNOWN };

  guest_nic_vector_append (&g->nics, n);
  return &g->nics.ptr[g->nics.len - 1];
}

#define NAME_FN(fn, type, ...)                                  \
  const char *                                                  \
  fn (type v)                                                   \
  {                                                             \
    static const char *const names[] = { __VA_ARGS__ };         \
    if ((size_t) v < sizeof names / sizeof names[0])            \
      return names[v];                                          \
    return "unknown";                                           \
  }

NAME_FN (guest_origin_name, enum guest_origin,
         "unknown", "vmware", "virtualbox", "xen-pv", "xen-pvh", "xen-hvm",
         "xenserver")
NAME_FN (guest_bus_name, enum guest_bus,
         "unknown", "ide", "scsi", "sata", "nvme", "xen", "virtio", "fdc")
NAME_FN (guest_nic_model_name, enum guest_nic_model,
         "unknown", "e1000", "e1000e", "rtl8139", "pcnet", "vmxnet",
         "vmxnet2", "vmxnet3", "virtio", "netfront")
NAME_FN (guest_firmware_name, enum guest_firmware, "unknown", "bios", "uefi")
NAME_FN (guest_video_name, enum guest_video,
         "none", "vga", "cirrus", "vmvga", "qxl", "xen", "virtio", "other")
NAME_FN (guest_display_name, enum guest_display, "none", "vnc", "spice", "sdl")
NAME_FN (guest_builder_name, enum guest_builder, "none", "pv", "pvh", "hvm")

static const char *const device_names[] = { "disk", "cdrom", "floppy" };

int
guest_set_mac (char **dst, const char *mac)
{
  char out[18];

  if (strlen (mac) != 17)
    return -1;
  for (size_t i = 0; i < 17; ++i) {
    if (i % 3 == 2) {
      if (mac[i] != ':' && mac[i] != '-')
        return -1;
      out[i] = ':';
    }
    else if (!isxdigit ((unsigned char) mac[i]))
      return -1;
    else
      out[i] = tolower ((unsigned char) mac[i]);
  }
  out[17] = '\0';
  free (*dst);
  *dst = xstrdup (out);
  return 0;
}

char *
guest_uuid_canonical (const char *s)
{
  char hex[33];
  size_t n = 0;

  for (; *s; ++s) {
    if (isxdigit ((unsigned char) *s)) {
      if (n == 32)
        return NULL;
      hex[n++] = tolower ((unsigned char) *s);
    }
    else if (*s != ' ' && *s != '-' && *s != '{' && *s != '}')
      return NULL;
  }
  if (n != 32)
    return NULL;
  hex[32] = '\0';
  return xasprintf ("%.8s-%.4s-%.4s-%.4s-%.12s",
                    hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

char *
guest_abs_path (const char *config_path, const char *p)
{
  const char *slash;
  char cwd[4096];

  if (p[0] == '/')
    return xstrdup (p);
  slash = config_path ? strrchr (config_path, '/') : NULL;
  if (slash && config_path[0] == '/')
    return xasprintf ("%.*s/%s", (int) (slash - config_path), config_path, p);
  if (getcwd (cwd, sizeof cwd) == NULL)
    strcpy (cwd, ".");
  if (slash) {
    const char *dir = config_path;
    int len = slash - config_path;
    while (len >= 2 && dir[0] == '.' && dir[1] == '/') {
      dir += 2;
      len -= 2;
    }
    if (len > 0 && !(len == 1 && dir[0] == '.'))
      return xasprintf ("%s/%.*s/%s", cwd, len, dir, p);
  }
  return xasprintf ("%s/%s", cwd, p);
}

static const char *
str (const char *s)
{
  return s ? s : "";
}

static void
print_disk (FILE *fp, size_t i, const struct guest_disk *d)
{
  fprintf (fp, "  %zu %s [%s %s", i, device_names[d->device],
           guest_bus_name (d->bus), d->target ? d->target : "-");
  if (d->slot >= 0)
    fprintf (fp, " slot %d", d->slot);
  fprintf (fp, "] %s", d->path ? d->path
           : d->ref ? "(archive member)" : "(empty)");
  if (d->is_block)
    fprintf (fp, " block");
  if (d->format)
    fprintf (fp, " format=%s", d->format);
  if (d->readonly)
    fprintf (fp, " ro");
  if (d->size)
    fprintf (fp, " size=%" PRIu64, d->size);
  if (d->ref)
    fprintf (fp, " ref=%s", d->ref);
  if (d->ref_size)
    fprintf (fp, " ref-size=%" PRIu64, d->ref_size);
  if (d->compression)
    fprintf (fp, " compression=%s", d->compression);
  fputc ('\n', fp);
}

static void
print_os (FILE *fp, const struct guest_os *os)
{
  fprintf (fp, "os: %s\n", str (os->id));
  if (os->ovf_id)
    fprintf (fp, "os ovf id: %s\n", os->ovf_id);
  if (os->description)
    fprintf (fp, "os description: %s\n", os->description);
  if (os->arch)
    fprintf (fp, "arch: %s\n", os->arch);
  if (os->builder)
    fprintf (fp, "builder: %s\n", guest_builder_name (os->builder));
#define P(f) if (os->f) fprintf (fp, #f ": %s\n", os->f)
  P (kernel); P (ramdisk); P (cmdline); P (root); P (bootloader);
  P (bootloader_args);
#undef P
}

void
guest_print (const struct guest *g, FILE *fp)
{
  fprintf (fp, "name: %s\n", str (g->name));
  fprintf (fp, "uuid: %s\n", str (g->uuid));
  fprintf (fp, "origin: %s\n", guest_origin_name (g->origin));
  fprintf (fp, "memory: %" PRIu64 "\n", g->memory);
  if (g->max_memory)
    fprintf (fp, "max memory: %" PRIu64 "\n", g->max_memory);
  fprintf (fp, "vcpus: %u\n", g->vcpus);
  if (g->max_vcpus)
    fprintf (fp, "max vcpus: %u\n", g->max_vcpus);
  if (g->sockets || g->cores || g->threads)
    fprintf (fp, "topology: sockets=%u cores=%u threads=%u\n",
             g->sockets, g->cores, g->threads);
  fprintf (fp, "firmware: %s\n", guest_firmware_name (g->firmware));
  fprintf (fp, "secure boot: %s\n", g->secure_boot ? "true" : "false");
  if (g->machine)
    fprintf (fp, "machine: %s\n", g->machine);
  if (g->localtime)
    fprintf (fp, "clock: localtime\n");
  print_os (fp, &g->os);
  fprintf (fp, "disks:\n");
  for (size_t i = 0; i < g->disks.len; ++i)
    print_disk (fp, i, &g->disks.ptr[i]);
  fprintf (fp, "removables:\n");
  for (size_t i = 0; i < g->removables.len; ++i)
    print_disk (fp, i, &g->removables.ptr[i]);
  fprintf (fp, "nics:\n");
  for (size_t i = 0; i < g->nics.len; ++i) {
    const struct guest_nic *n = &g->nics.ptr[i];
    fprintf (fp, "  %zu mac=%s model=%s (%s) %s \"%s\"", i,
             n->mac ? n->mac : "-", guest_nic_model_name (n->model),
             str (n->model_name),
             n->type == GUEST_NET_BRIDGE ? "bridge" : "network",
             str (n->network));
    if (n->label)
      fprintf (fp, " label=\"%s\"", n->label);
    fputc ('\n', fp);
  }
  fprintf (fp, "serials:\n");
  for (size_t i = 0; i < g->serials.len; ++i)
    fprintf (fp, "  %d %s %s\n", g->serials.ptr[i].index,
             str (g->serials.ptr[i].type), str (g->serials.ptr[i].path));
  fprintf (fp, "video: %s\n", guest_video_name (g->video));
  fprintf (fp, "display: %s\n", guest_display_name (g->display));
  fprintf (fp, "sound: %s\n", g->sound ? g->sound : "none");
}

/* ---- JSON ---- */

static void
jkey (FILE *fp, const char *key, const char *val)
{
  fprintf (fp, ",\"%s\":", key);
  json_string (fp, val);
}

static void
json_disks (FILE *fp, const char *key, const guest_disk_vector *v)
{
  fprintf (fp, ",\"%s\":[", key);
  for (size_t i = 0; i < v->len; ++i) {
    const struct guest_disk *d = &v->ptr[i];
    fprintf (fp, "%s{\"device\":\"%s\"", i ? "," : "",
             device_names[d->device]);
    jkey (fp, "path", d->path);
    jkey (fp, "format", d->format);
    jkey (fp, "bus", guest_bus_name (d->bus));
    jkey (fp, "target", d->target);
    fprintf (fp, ",\"slot\":%d,\"block\":%s,\"readonly\":%s"
             ",\"size\":%" PRIu64, d->slot, d->is_block ? "true" : "false",
             d->readonly ? "true" : "false", d->size);
    jkey (fp, "ref", d->ref);
    fprintf (fp, ",\"ref_size\":%" PRIu64, d->ref_size);
    jkey (fp, "compression", d->compression);
    fputc ('}', fp);
  }
  fputc (']', fp);
}

static void
json_os (FILE *fp, const struct guest_os *os)
{
  fprintf (fp, ",\"os\":{\"builder\":\"%s\"",
           guest_builder_name (os->builder));
  jkey (fp, "id", os->id);
  jkey (fp, "ovf_id", os->ovf_id);
  jkey (fp, "description", os->description);
  jkey (fp, "arch", os->arch);
  jkey (fp, "kernel", os->kernel);
  jkey (fp, "ramdisk", os->ramdisk);
  jkey (fp, "cmdline", os->cmdline);
  jkey (fp, "root", os->root);
  jkey (fp, "bootloader", os->bootloader);
  jkey (fp, "bootloader_args", os->bootloader_args);
  fputc ('}', fp);
}

void
guest_print_json (const struct guest *g, FILE *fp)
{
  fprintf (fp, "{\"name\":");
  json_string (fp, g->name);
  jkey (fp, "uuid", g->uuid);
  jkey (fp, "origin", guest_origin_name (g->origin));
  jkey (fp, "config", g->config_path);
  fprintf (fp, ",\"memory\":%" PRIu64 ",\"max_memory\":%" PRIu64
           ",\"vcpus\":%u,\"max_vcpus\":%u,\"sockets\":%u,\"cores\":%u"
           ",\"threads\":%u", g->memory, g->max_memory, g->vcpus,
           g->max_vcpus, g->sockets, g->cores, g->threads);
  jkey (fp, "firmware", guest_firmware_name (g->firmware));
  fprintf (fp, ",\"secure_boot\":%s,\"localtime\":%s",
           g->secure_boot ? "true" : "false",
           g->localtime ? "true" : "false");
  jkey (fp, "machine", g->machine);
  json_os (fp, &g->os);
  json_disks (fp, "disks", &g->disks);
  json_disks (fp, "removables", &g->removables);
  fprintf (fp, ",\"nics\":[");
  for (size_t i = 0; i < g->nics.len; ++i) {
    const struct guest_nic *n = &g->nics.ptr[i];
    fprintf (fp, "%s{\"mac\":", i ? "," : "");
    json_string (fp, n->mac);
    jkey (fp, "model", guest_nic_model_name (n->model));
    jkey (fp, "model_name", n->model_name);
    jkey (fp, "type", n->type == GUEST_NET_BRIDGE ? "bridge" : "network");
    jkey (fp, "network", n->network);
    jkey (fp, "label", n->label);
    fputc ('}', fp);
  }
  fprintf (fp, "],\"serials\":[");
  for (size_t i = 0; i < g->serials.len; ++i) {
    fprintf (fp, "%s{\"index\":%d", i ? "," : "", g->serials.ptr[i].index);
    jkey (fp, "type", g->serials.ptr[i].type);
    jkey (fp, "path", g->serials.ptr[i].path);
    fputc ('}', fp);
  }
  fputc (']', fp);
  jkey (fp, "video", guest_video_name (g->video));
  jkey (fp, "display", guest_display_name (g->display));
  jkey (fp, "sound", g->sound);
  fprintf (fp, "}\n");
}
