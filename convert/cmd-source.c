/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm source show` and `v2kvm source xml`.
 *
 *   source show -i TYPE SOURCE [--json]
 *       the neutral description read from SOURCE (guest_print), stable
 *       text for golden tests
 *   source xml -i TYPE SOURCE [--network in:out] [--bridge in:out]
 *                             [--domain-type kvm|qemu] [--graphics G]
 *       the libvirt domain XML a conversion would write, with default
 *       capabilities (virtio, q35) and disk targets NAME-sdX.qcow2 in the
 *       current directory
 *
 * TYPE is vmx, ovf, ova (an OVA tar, a directory or an .ovf), xl, xm,
 * libvirtxml or xva (an XVA archive, or a bare ova.xml).  Nothing is
 * opened but the config file or the archive's descriptor.  With
 * -ic esx://... / vpx://... (-i vsphere) SOURCE is a VM's name and its
 * .vmx is read through the datastore (remote/vsphere.h). */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "cfg.h"
#include "commands.h"
#include "domxml.h"
#include "error.h"
#include "guestcaps.h"
#include "vsphere.h"
#include "ssh-input.h"
#include "xalloc.h"

#define MAX_NETMAPS 64

struct source_args {
  const char *type, *path, *domain_type, *graphics;
  const char *conn, *password;  /* -ic URI -ip FILE: path is a VM name */
  const char *transport;        /* -it ssh: path is an ssh:// URL */
  bool json;
  struct domxml_netmap maps[MAX_NETMAPS];
  size_t nmaps;
};

/* -i words -> reader names. */
static const char *
reader_for (const char *type)
{
  if (strcmp (type, "ova") == 0)
    return "ovf";
  if (strcmp (type, "libvirtxml") == 0 || strcmp (type, "libvirt") == 0)
    return "libvirt-xml";
  return type;
}

/* The guest of a config file, or of an archive for -i ova/ovf/xva (or
 * an archive found by probing when -i is not given). */
static int
read_guest (const struct source_args *a, struct guest **g)
{
  enum archive_kind kind = ARCHIVE_NONE;

  if (a->conn) {
    struct vsphere *v = vsphere_open (a->conn, a->password);
    struct vsphere_vm vm = { 0 };
    struct remote *src = NULL;
    int r = -1;
    if (v && vsphere_find (v, a->path, &vm) == 0)
      r = vsphere_read_guest (v, &vm, g, &src);
    remote_unref (src);
    vsphere_vm_free_fields (&vm);
    vsphere_close (v);
    return r;
  }

  if (a->transport) {           /* only the configuration is read */
    struct ssh_input *si;
    int r = ssh_input_open (a->type ? reader_for (a->type) : NULL, a->path,
                            &si, g);
    ssh_input_close (si);
    return r;
  }
  if (strcmp (a->path, "-") == 0 && a->type && strcmp (a->type, "xva") == 0)
    return archive_read_guest ("-", g);       /* only ova.xml is read */
  if (strcmp (a->path, "-") != 0 &&
      (!a->type || !strcmp (a->type, "ova") || !strcmp (a->type, "xva") ||
       !strcmp (a->type, "ovf")) &&
      archive_probe (a->path, &kind) == -1)
    return -1;
  if (kind == ARCHIVE_OVA || (kind == ARCHIVE_XVA &&
                              (!a->type || strcmp (a->type, "xva") == 0)))
    return archive_read_guest (a->path, g);
  return cfg_read (a->type ? reader_for (a->type) : NULL, a->path, g);
}

static const char show_usage[] =
"usage: v2kvm source show -i TYPE [-it ssh] SOURCE [--json]\n"
"       v2kvm source show -ic esx://...|vpx://... [-ip FILE] GUEST [--json]\n"
"\n"
"Print what v2kvm reads from a guest configuration (name, memory, vCPUs,\n"
"firmware, disks, NICs, OS hints); no disk is opened.\n"
"\n"
"  -i, --input vmx|ova|ovf|xl|xm|libvirtxml|xva   what SOURCE is\n"
"                                  (guessed from the content without -i)\n"
"  -ic URI                         GUEST on ESXi / vCenter (esx://, vpx://,\n"
"                                  as for convert); its .vmx is read\n"
"  -ip FILE                        password: FILE's first line\n"
"  -it ssh                         SOURCE is ssh://[USER@]HOST[:PORT]/PATH:\n"
"                                  read it over SFTP (vmx, xl, xm,\n"
"                                  libvirtxml)\n"
"      --json                      one JSON object instead of text\n";

static const char xml_usage[] =
"usage: v2kvm source xml -i TYPE [-it ssh] SOURCE [OPTIONS]\n"
"       v2kvm source xml -ic esx://...|vpx://... [-ip FILE] GUEST [OPTIONS]\n"
"\n"
"Print the libvirt domain XML a conversion of SOURCE would write, with\n"
"disks NAME-sdX.qcow2 in the current directory.\n"
"\n"
"  -i, --input vmx|ova|ovf|xl|xm|libvirtxml|xva   what SOURCE is\n"
"  -ic URI, -ip FILE               GUEST on ESXi / vCenter (as for convert)\n"
"  -it ssh                         SOURCE is an ssh:// URL (as source show)\n"
"      --network IN:OUT            NICs on source network IN go to libvirt\n"
"                                  network OUT (no IN: every other NIC)\n"
"      --bridge IN:OUT             ... to host bridge OUT\n"
"      --domain-type kvm|qemu      libvirt domain type (qemu: no KVM)\n"
"      --graphics vnc|spice|none   display (default vnc)\n";

/* 0: parsed; -1: --help printed (exit 0); else a usage error's code. */
static int
parse_args (int argc, char **argv, struct source_args *a, bool xml)
{
  static const struct option longopts[] = {
    { "i", required_argument, NULL, 'i' },
    { "input", required_argument, NULL, 'i' },
    { "ic", required_argument, NULL, 'c' },
    { "ip", required_argument, NULL, 'p' },
    { "it", required_argument, NULL, 't' },
    { "json", no_argument, NULL, 'j' },
    { "network", required_argument, NULL, 'n' },
    { "bridge", required_argument, NULL, 'b' },
    { "domain-type", required_argument, NULL, 'd' },
    { "graphics", required_argument, NULL, 'g' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  int c;

  optind = 1;
  while ((c = getopt_long_only (argc, argv, "i:", longopts, NULL)) != -1) {
    switch (c) {
    case 'i': a->type = optarg; break;
    case 'c': a->conn = optarg; break;
    case 'p': a->password = optarg; break;
    case 't':
      if (strcmp (optarg, "ssh") != 0)
        return usage_error ("-it: the only input transport is 'ssh'");
      a->transport = optarg;
      break;
    case 'j': a->json = true; break;
    case 'd': a->domain_type = optarg; break;
    case 'g': a->graphics = optarg; break;
    case 'h':
      fputs (xml ? xml_usage : show_usage, stdout);
      return -1;
    case 'n': case 'b':
      if (a->nmaps == MAX_NETMAPS)
        return usage_error ("too many --network/--bridge options");
      if (domxml_parse_netmap (optarg, c == 'b', &a->maps[a->nmaps++]) == -1)
        return usage_error ("%s", get_error ());
      break;
    default:
      return usage_error ("bad option for 'source %s'", argv[0]);
    }
  }
  if (optind != argc - 1)
    return usage_error ("source %s: expected one SOURCE", argv[0]);
  a->path = argv[optind];
  if (a->conn && !vsphere_is_uri (a->conn))
    return usage_error ("-ic takes esx://... or vpx://...");
  if (a->type && !strcmp (a->type, "vsphere") != !!a->conn)
    return usage_error ("-i vsphere goes with -ic esx://... or vpx://...");
  if (a->password && !a->conn)
    return usage_error ("-ip is for -ic");
  if (a->conn)
    a->type = NULL;
  if (a->type && !cfg_find_reader (reader_for (a->type)))
    return usage_error ("unknown -i type '%s' (vmx, ova, ovf, xl, xm, "
                        "libvirtxml, xva)", a->type);
  if (a->domain_type && strcmp (a->domain_type, "kvm") != 0 &&
      strcmp (a->domain_type, "qemu") != 0)
    return usage_error ("--domain-type must be kvm or qemu");
  if (a->graphics && strcmp (a->graphics, "vnc") != 0 &&
      strcmp (a->graphics, "spice") != 0 && strcmp (a->graphics, "none") != 0)
    return usage_error ("--graphics must be vnc, spice or none");
  if (!xml && (a->nmaps || a->domain_type || a->graphics))
    return usage_error ("source show takes only -i, -ic, -ip, -it and --json");
  if (a->transport && a->conn)
    return usage_error ("-it ssh and -ic do not go together");
  if (xml && a->json)
    return usage_error ("source xml has no --json");
  return 0;
}

int
cmd_source_show (int argc, char **argv)
{
  struct source_args a = { 0 };
  struct guest *g;
  int r;

  if ((r = parse_args (argc, argv, &a, false)) != 0)
    return r == -1 ? 0 : r;
  if (read_guest (&a, &g) == -1)
    return report_error ();
  if (a.json)
    guest_print_json (g, stdout);
  else
    guest_print (g, stdout);
  guest_free (g);
  return 0;
}

int
cmd_source_xml (int argc, char **argv)
{
  struct source_args a = { 0 };
  struct domxml_options o = { 0 };
  struct domxml_target *t;
  struct guestcaps caps;
  struct guest *g;
  char cwd[4096];
  char *xml;
  int r;

  if ((r = parse_args (argc, argv, &a, true)) != 0)
    return r == -1 ? 0 : r;
  if (read_guest (&a, &g) == -1)
    return report_error ();
  if (!getcwd (cwd, sizeof cwd))
    strcpy (cwd, ".");
  t = xzalloc ((g->disks.len + 1) * sizeof *t);
  for (size_t i = 0; i < g->disks.len; ++i) {
    char sd[16];
    domxml_drive_name (sd, sizeof sd, "sd", i);
    t[i].path = xasprintf ("%s/%s-%s.qcow2", cwd, g->name, sd);
    t[i].format = "qcow2";
  }
  guestcaps_init (&caps, g);
  o.domain_type = a.domain_type;
  o.graphics = a.graphics;
  o.netmaps = a.maps;
  o.nnetmaps = a.nmaps;
  xml = domxml_build (g, &caps, t, g->disks.len, &o);
  for (size_t i = 0; i < g->disks.len; ++i)
    free ((char *) t[i].path);
  free (t);
  guest_free (g);
  if (!xml)
    return report_error ();
  fputs (xml, stdout);
  free (xml);
  return 0;
}
