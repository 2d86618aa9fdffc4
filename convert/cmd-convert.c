/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm convert`: options (virt-v2v's spelling where it has one:
 * -i, -o, -os, -oc, -of, -oa, -on, --network, --bridge, --root,
 * --print-source, --machine-readable) into struct convert_options; the
 * work is convert.c's. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "convert.h"
#include "error.h"
#include "ssh-input.h"
#include "vsphere.h"
#include "xalloc.h"

#define MAX_JOBS 64

static const char usage_text[] =
"usage: v2kvm convert -i TYPE SOURCE... [OPTIONS]\n"
"       v2kvm convert -ic esx://[USER@]HOST[:PORT]/[?no_verify=1] [-ip FILE]\n"
"                     GUEST [OPTIONS]\n"
"\n"
"Convert a VMware or Xen guest to run on KVM: make it boot on virtio,\n"
"then copy its disks (only the data the guest uses) and write the domain.\n"
"The source is never written.\n"
"\n"
"Input:\n"
"  -i, --input vmx|ova|ovf|xva|xl|xm|libvirtxml|disk\n"
"                                  what SOURCE is (disk: one or more\n"
"                                  bare images, the rest guessed;\n"
"                                  xva: '-' reads it from stdin)\n"
"  -it ssh                         SOURCE is ssh://[USER@]HOST[:PORT]/PATH\n"
"                                  on a host (-i vmx, xl, xm, libvirtxml):\n"
"                                  config and disks read over SFTP; auth by\n"
"                                  ssh-agent or ~/.ssh keys, host key must\n"
"                                  be in ~/.ssh/known_hosts\n"
"  -ic esx://...|vpx://...         read GUEST straight from ESXi / vCenter\n"
"                                  (-i vsphere; vpx://[USER@]VCENTER/DC/...;\n"
"                                  ?no_verify=1 accepts any TLS certificate)\n"
"  -ip FILE                        password: FILE's first line (else asked\n"
"                                  on a terminal)\n"
"      --no-verify                 skip the OVA manifest / XVA checksums\n"
"      --allow-external-refs       follow references (a .vmx's disks,\n"
"                                  extents, parents, backing files) out\n"
"                                  of the source's directory\n"
"      --print-source              print the guest as read and stop\n"
"Output:\n"
"  -o, --output local|libvirt|qemu|null\n"
"                                  where the guest goes (default local)\n"
"  -os DIR|POOL                    directory (local, qemu; default .) or\n"
"                                  storage pool (libvirt; default 'default')\n"
"  -oc URI                         libvirt connection URI\n"
"  -of qcow2|raw                   disk format (default qcow2)\n"
"  -oa sparse|preallocated         allocation (preallocated: raw only)\n"
"  -on NAME                        guest name on the output\n"
"  -c, --compress                  compressed qcow2 clusters\n"
"      --replace                   replace an existing guest / disks\n"
"      --network IN:OUT, --bridge IN:OUT   map source networks\n"
"      --domain-type kvm|qemu      libvirt domain type (qemu: no KVM)\n"
"      --graphics vnc|spice|none   display (default vnc)\n"
"Conversion:\n"
"      --root single|first|/dev/DEV   which OS when there are several\n"
"      --accel auto|kvm|tcg        appliance acceleration (auto: TCG when\n"
"                                  KVM fails)\n"
"      --smp N                     appliance vCPUs (default: cores, at most\n"
"                                  4; batch divides the cores among its\n"
"                                  guests)\n"
"      --mac NAME=MAC              MAC of guest interface NAME\n"
"      --virtio-win PATH           Windows drivers (ISO or directory)\n"
"      --block-driver virtio-blk|virtio-scsi   Windows boot disk driver\n"
"      --key ID:file:FILE          LUKS passphrase: FILE's first line; ID is\n"
"                                  the device (/dev/sda2), the LUKS UUID\n"
"                                  or 'all' (repeatable)\n"
"      --key ID:key:PASSPHRASE     the same, given inline (visible to other\n"
"                                  users in ps: prefer the file form)\n"
"      --keys-from-stdin           one passphrase per line on stdin for\n"
"                                  LUKS devices no --key names\n"
"      --no-trim                   copy free space too (no fstrim)\n"
"      --rebuild-initramfs         run the guest's initramfs tool even\n"
"                                  where the image can be patched\n"
"      --no-fixup                  copy as is (the guest may not boot)\n"
"  -j, --jobs N                    copy threads (default: cores)\n"
"      --machine-readable          JSON lines on stdout\n"
"                                  (docs/machine-readable.md)\n"
"  -v, -q                          more / less output\n";

static int
one_of (const char *v, const char *const *allowed)
{
  for (size_t i = 0; allowed[i]; ++i)
    if (strcmp (v, allowed[i]) == 0)
      return 0;
  return -1;
}

/* A usage error, recorded (kind V2K_ERR_USAGE) rather than printed, so
 * that `batch` can report it with its plan line; returns 2. */
static int __attribute__((format (printf, 1, 2)))
bad (const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  set_error (EINVAL, "%s", msg);
  error_set_kind (V2K_ERR_USAGE);
  return V2K_EXIT_USAGE;
}

static int
add_netmap (struct convert_options *o, char *arg, bool bridge)
{
  struct domxml_netmap *m;

  o->dom.netmaps = xreallocarray ((void *) o->dom.netmaps,
                                  o->dom.nnetmaps + 1, sizeof *m);
  m = (struct domxml_netmap *) &o->dom.netmaps[o->dom.nnetmaps];
  if (domxml_parse_netmap (arg, bridge, m) == -1)
    return bad ("convert: %s", get_error ());
  o->dom.nnetmaps++;
  return 0;
}

/* The first line of a key file (without its newline), or NULL after
 * set_error.  The passphrase itself is never part of a message. */
static char *
read_key_file (const char *path)
{
  FILE *f = fopen (path, "re");
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;

  if (f == NULL) {
    set_error (errno, "convert: --key: cannot read '%s': %s", path,
               strerror (errno));
    return NULL;
  }
  n = getline (&line, &cap, f);
  fclose (f);
  if (n <= 0) {
    free (line);
    set_error (EINVAL, "convert: --key: '%s' is empty", path);
    return NULL;
  }
  if (line[n - 1] == '\n')
    line[--n] = '\0';
  return line;
}

/* --key ID:key:PASSPHRASE | ID:file:FILE (virt-v2v(1) "--key"; its
 * ID:clevis needs network-bound keys and is refused). */
static int
add_key (struct convert_options *o, const char *arg)
{
  const char *c1 = strchr (arg, ':');
  struct fixup_key k = { 0 };

  if (c1 == NULL || c1 == arg)
    return bad ("convert: --key takes ID:key:PASSPHRASE or ID:file:FILE "
                "(ID: a device, a LUKS UUID or 'all')");
  if (strncmp (c1 + 1, "key:", 4) == 0 && c1[5])
    k.passphrase = xstrdup (c1 + 5);
  else if (strncmp (c1 + 1, "file:", 5) == 0 && c1[6]) {
    k.from_file = true;
    if ((k.passphrase = read_key_file (c1 + 6)) == NULL) {
      error_set_kind (V2K_ERR_USAGE);
      return V2K_EXIT_USAGE;
    }
  }
  else if (strcmp (c1 + 1, "clevis") == 0)
    return bad ("convert: --key %.*s:clevis (network-bound keys) is not "
                "supported; give the passphrase with ID:file:FILE",
                (int) (c1 - arg), arg);
  else
    return bad ("convert: --key %.*s:...: takes ID:key:PASSPHRASE or "
                "ID:file:FILE", (int) (c1 - arg), arg);
  k.id = xstrndup (arg, (size_t) (c1 - arg));
  fixup_key_list_append (&o->keys, k);
  return 0;
}

enum {
  OPT_IC = 300, OPT_IP,
  OPT_OS = 256, OPT_OC, OPT_OF, OPT_OA, OPT_ON, OPT_NETWORK, OPT_BRIDGE,
  OPT_ROOT, OPT_NOTRIM, OPT_REBUILD_INITRAMFS, OPT_NOVERIFY, OPT_NOFIXUP, OPT_PRINT, OPT_MACHINE,
  OPT_ACCEL, OPT_DOMTYPE, OPT_GRAPHICS, OPT_REPLACE, OPT_MAC, OPT_VIRTIOWIN,
  OPT_BLOCKDRV, OPT_IT, OPT_EXTREFS, OPT_KEY, OPT_KEYS_STDIN, OPT_SMP,
};

static const struct option longopts[] = {
  { "i", required_argument, NULL, 'i' },
  { "input", required_argument, NULL, 'i' },
  { "ic", required_argument, NULL, OPT_IC },
  { "ip", required_argument, NULL, OPT_IP },
  { "it", required_argument, NULL, OPT_IT },
  { "o", required_argument, NULL, 'o' },
  { "output", required_argument, NULL, 'o' },
  { "os", required_argument, NULL, OPT_OS },
  { "oc", required_argument, NULL, OPT_OC },
  { "of", required_argument, NULL, OPT_OF },
  { "oa", required_argument, NULL, OPT_OA },
  { "on", required_argument, NULL, OPT_ON },
  { "compress", no_argument, NULL, 'c' },
  { "replace", no_argument, NULL, OPT_REPLACE },
  { "network", required_argument, NULL, OPT_NETWORK },
  { "bridge", required_argument, NULL, OPT_BRIDGE },
  { "domain-type", required_argument, NULL, OPT_DOMTYPE },
  { "graphics", required_argument, NULL, OPT_GRAPHICS },
  { "root", required_argument, NULL, OPT_ROOT },
  { "accel", required_argument, NULL, OPT_ACCEL },
  { "smp", required_argument, NULL, OPT_SMP },
  { "mac", required_argument, NULL, OPT_MAC },
  { "virtio-win", required_argument, NULL, OPT_VIRTIOWIN },
  { "block-driver", required_argument, NULL, OPT_BLOCKDRV },
  { "key", required_argument, NULL, OPT_KEY },
  { "keys-from-stdin", no_argument, NULL, OPT_KEYS_STDIN },
  { "no-trim", no_argument, NULL, OPT_NOTRIM },
  { "rebuild-initramfs", no_argument, NULL, OPT_REBUILD_INITRAMFS },
  { "no-verify", no_argument, NULL, OPT_NOVERIFY },
  { "allow-external-refs", no_argument, NULL, OPT_EXTREFS },
  { "no-fixup", no_argument, NULL, OPT_NOFIXUP },
  { "print-source", no_argument, NULL, OPT_PRINT },
  { "machine-readable", no_argument, NULL, OPT_MACHINE },
  { "jobs", required_argument, NULL, 'j' },
  { "verbose", no_argument, NULL, 'v' },
  { "quiet", no_argument, NULL, 'q' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 }
};

static const char *const inputs[] = {
  "vmx", "ova", "ovf", "xva", "xl", "xm", "libvirtxml", "disk", "vsphere",
  NULL
};
static const char *const outputs[] = {
  "local", "libvirt", "qemu", "null", NULL
};

/* One option into o; 0, 1 (--help shown) or an exit code > 1. */
static int
take_option (struct convert_options *o, int c, char *arg, const char *where)
{
  char *end;
  long n;

  switch (c) {
  case 'i': o->input_type = arg; break;
  case OPT_IC: o->input_conn = arg; break;
  case OPT_IP: o->input_password = arg; break;
  case OPT_IT:
    if (strcmp (arg, "ssh") != 0)
      return bad ("convert: -it: the only input transport is 'ssh'");
    o->input_transport = arg;
    break;
  case 'o': o->output.type = arg; break;
  case OPT_OS: o->output.storage = arg; break;
  case OPT_OC: o->output.uri = arg; break;
  case OPT_OF: o->output.format = arg; break;
  case OPT_OA:
    if (strcmp (arg, "sparse") && strcmp (arg, "preallocated"))
      return bad ("convert: -oa takes sparse or preallocated");
    o->output.preallocated = strcmp (arg, "preallocated") == 0;
    break;
  case OPT_ON: o->name = arg; break;
  case 'c': o->compress = true; break;
  case OPT_REPLACE: o->output.replace = true; break;
  case OPT_NETWORK: case OPT_BRIDGE:
    return add_netmap (o, arg, c == OPT_BRIDGE);
  case OPT_DOMTYPE:
    if (strcmp (arg, "kvm") && strcmp (arg, "qemu"))
      return bad ("convert: --domain-type takes kvm or qemu");
    o->dom.domain_type = arg;
    break;
  case OPT_GRAPHICS:
    if (strcmp (arg, "vnc") && strcmp (arg, "spice") && strcmp (arg, "none"))
      return bad ("convert: --graphics takes vnc, spice or none");
    o->dom.graphics = arg;
    break;
  case OPT_ROOT:
    if (strcmp (arg, "single") && strcmp (arg, "first") &&
        strncmp (arg, "/dev/", 5))
      return bad ("convert: --root takes single, first or /dev/...");
    o->root = arg;
    break;
  case OPT_ACCEL:
    if (strcmp (arg, "auto") == 0) o->accel = FIXUP_ACCEL_AUTO;
    else if (strcmp (arg, "kvm") == 0) o->accel = FIXUP_ACCEL_KVM;
    else if (strcmp (arg, "tcg") == 0) o->accel = FIXUP_ACCEL_TCG;
    else return bad ("convert: --accel takes auto, kvm or tcg");
    break;
  case OPT_SMP:
    n = strtol (arg, &end, 10);
    if (*end || end == arg || n < 1 || n > FIXUP_MAX_SMP)
      return bad ("convert: --smp takes 1 to %d", FIXUP_MAX_SMP);
    o->smp = (unsigned) n;
    break;
  case OPT_MAC: {
    const char *eq = strchr (arg, '=');
    char *mac = NULL;
    if (!eq || eq == arg || guest_set_mac (&mac, eq + 1) == -1)
      return bad ("convert: --mac takes NAME=xx:xx:xx:xx:xx:xx, "
                          "not '%s'", arg);
    free (mac);
    string_vector_append (&o->macs, arg);
    break;
  }
  case OPT_VIRTIOWIN: o->virtio_win = arg; break;
  case OPT_BLOCKDRV:
    if (strcmp (arg, "virtio-blk") && strcmp (arg, "virtio-scsi"))
      return bad ("convert: --block-driver takes virtio-blk or "
                          "virtio-scsi");
    o->virtio_scsi = strcmp (arg, "virtio-scsi") == 0;
    break;
  case OPT_KEY: return add_key (o, arg);
  case OPT_KEYS_STDIN: o->keys_from_stdin = true; break;
  case OPT_NOTRIM: o->no_trim = true; break;
  case OPT_EXTREFS: o->allow_external_refs = true; break;
  case OPT_REBUILD_INITRAMFS: o->rebuild_initramfs = true; break;
  case OPT_NOVERIFY: o->no_verify = true; break;
  case OPT_NOFIXUP: o->no_fixup = true; break;
  case OPT_PRINT: o->print_source = true; break;
  case OPT_MACHINE: o->machine = true; break;
  case 'j':
    n = strtol (arg, &end, 10);
    if (*end || end == arg || n < 1 || n > MAX_JOBS)
      return bad ("convert: -j takes 1 to %d", MAX_JOBS);
    o->jobs = (unsigned) n;
    break;
  case 'v': o->verbose = true; break;
  case 'q': o->quiet = true; break;
  case 'h': o->help = true; return 1;
  case ':': return bad ("convert: option '%s' needs a value", where);
  default: return bad ("convert: unknown option '%s'", where);
  }
  return 0;
}

static int
check_options (struct convert_options *o)
{
  if (o->input_conn && !vsphere_is_uri (o->input_conn))
    return bad ("convert: -ic takes esx://... or vpx://...");
  if (o->input_conn && !o->input_type)
    o->input_type = "vsphere";
  if (o->input_type && !strcmp (o->input_type, "vsphere") != !!o->input_conn)
    return bad ("convert: -i vsphere goes with -ic esx://... or vpx://...");
  if (o->input_password && !o->input_conn)
    return bad ("convert: -ip is for -ic");
  if (!o->input_type)
    return bad ("convert: give the input type with -i (vmx, ova, "
                "ovf, xva, xl, xm, libvirtxml, disk) or -ic URI");
  if (one_of (o->input_type, inputs) == -1)
    return bad ("convert: unknown -i type '%s'", o->input_type);
  if (o->output.type && one_of (o->output.type, outputs) == -1)
    return bad ("convert: unknown -o type '%s' (local, libvirt, "
                        "qemu, null)", o->output.type);
  if (o->output.format && strcmp (o->output.format, "qcow2") &&
      strcmp (o->output.format, "raw"))
    return bad ("convert: -of takes qcow2 or raw");
  if (o->compress && o->output.format && !strcmp (o->output.format, "raw"))
    return bad ("convert: -c needs -of qcow2");
  if (o->nsources == 0)
    return bad ("convert: give the source (-i %s SOURCE)",
                        o->input_type);
  if (o->nsources > 1 && strcmp (o->input_type, "disk") != 0)
    return bad ("convert: -i %s takes one source; only -i disk "
                        "takes several", o->input_type);
  if (o->input_transport && !ssh_input_type_ok (o->input_type))
    return bad ("convert: " SSH_INPUT_TYPES_MSG);
  if (o->keys_from_stdin && o->nsources == 1 &&
      strcmp (o->sources[0], "-") == 0)
    return bad ("convert: --keys-from-stdin and a source on stdin ('-') "
                "cannot share it");
  if (o->output.uri && (!o->output.type ||
                        strcmp (o->output.type, "libvirt") != 0))
    return bad ("convert: -oc is for -o libvirt");
  return 0;
}

int
convert_parse (int argc, char **argv, struct convert_options *o)
{
  int c, r;

  memset (o, 0, sizeof *o);
  o->macs = (string_vector) empty_vector;
  o->keys = (fixup_key_list) empty_vector;
  optind = 0;                   /* glibc: a full reset, argv may change */
  opterr = 0;                   /* our own message, recorded */
  while ((c = getopt_long_only (argc, argv, ":i:o:j:cvqh", longopts,
                                NULL)) != -1) {
    const char *where = argv[optind > 1 ? optind - 1 : 1];
    if ((r = take_option (o, c, optarg, where)) != 0)
      return r == 1 ? 0 : -1;
  }
  o->sources = argv + optind;
  o->nsources = (size_t) (argc - optind);
  return check_options (o) ? -1 : 0;
}

void
convert_options_free (struct convert_options *o)
{
  free ((void *) o->dom.netmaps);
  o->dom.netmaps = NULL;
  string_vector_reset (&o->macs);
  fixup_keys_free (&o->keys);
}

int
cmd_convert (int argc, char **argv)
{
  struct convert_options o;
  int r;

  if (convert_parse (argc, argv, &o) == -1) {
    convert_options_free (&o);
    return usage_error ("%s", get_error ());
  }
  if (o.help) {
    fputs (usage_text, stdout);
    convert_options_free (&o);
    return 0;
  }
  v2k_verbose |= o.verbose;
  v2k_quiet |= o.quiet;
  r = convert_run (&o);
  convert_options_free (&o);
  return r;
}
