/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm source show` and `v2kvm source xml`.
 *
 *   source show -i TYPE SOURCE [--json] [--allow-external-refs]
 *       the neutral description read from SOURCE (guest_print), stable
 *       text for golden tests, then every file a conversion would read
 *       (local disks are opened as the converter opens them: headers
 *       only, under the reference rule of formats/refs.h)
 *   source xml -i TYPE SOURCE [--network in:out] [--bridge in:out]
 *                             [--domain-type kvm|qemu] [--graphics G]
 *       the libvirt domain XML a conversion would write, with default
 *       capabilities (virtio, q35) and disk targets NAME-sdX.qcow2 in the
 *       current directory
 *
 * TYPE is vmx, ovf, ova (an OVA tar, a directory or an .ovf), xl, xm,
 * libvirtxml or xva (an XVA archive, or a bare ova.xml).  source xml
 * opens nothing but the config file or the archive's descriptor.  With
 * -ic esx://... / vpx://... (-i vsphere) SOURCE is a VM's name and its
 * .vmx is read through the datastore (remote/vsphere.h). */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "archive.h"
#include "blk.h"
#include "cfg.h"
#include "commands.h"
#include "domxml.h"
#include "error.h"
#include "guestcaps.h"
#include "json.h"
#include "vector.h"
#include "vsphere.h"
#include "ssh-input.h"
#include "xalloc.h"

#define MAX_NETMAPS 64

struct source_args {
  const char *type, *path, *domain_type, *graphics;
  const char *conn, *password;  /* -ic URI -ip FILE: path is a VM name */
  const char *transport;        /* -it ssh: path is an ssh:// URL */
  bool json;
  bool allow_external_refs;     /* source show: as for convert */
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
"                         [--allow-external-refs]\n"
"       v2kvm source show -ic esx://...|vpx://... [-ip FILE] GUEST [--json]\n"
"\n"
"Print what v2kvm reads from a guest configuration (name, memory, vCPUs,\n"
"firmware, disks, NICs, OS hints), then every file a conversion would\n"
"read (the configuration, each local disk's extents, parents and\n"
"archive members; only their headers are read here).\n"
"\n"
"  -i, --input vmx|ova|ovf|xl|xm|libvirtxml|xva   what SOURCE is\n"
"                                  (guessed from the content without -i)\n"
"  -ic URI                         GUEST on ESXi / vCenter (esx://, vpx://,\n"
"                                  as for convert); its .vmx is read\n"
"  -ip FILE                        password: FILE's first line\n"
"  -it ssh                         SOURCE is ssh://[USER@]HOST[:PORT]/PATH:\n"
"                                  read it over SFTP (vmx, xl, xm,\n"
"                                  libvirtxml)\n"
"      --json                      one JSON object instead of text\n"
"      --allow-external-refs       as for convert: references may leave\n"
"                                  the configuration's directory\n";

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
    { "allow-external-refs", no_argument, NULL, 'x' },
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
    case 'x': a->allow_external_refs = true; break;
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
    return usage_error ("source show takes only -i, -ic, -ip, -it, --json "
                        "and --allow-external-refs");
  if (xml && a->allow_external_refs)
    return usage_error ("source xml has no --allow-external-refs");
  if (a->transport && a->conn)
    return usage_error ("-it ssh and -ic do not go together");
  if (a->transport && a->type && !ssh_input_type_ok (a->type))
    return usage_error ("%s", SSH_INPUT_TYPES_MSG);
  if (xml && a->json)
    return usage_error ("source xml has no --json");
  return 0;
}

/* One file a conversion reads, or why it cannot be read. */
struct read_file {
  char *path;
  char *error;                  /* NULL: readable */
};
DEFINE_VECTOR_TYPE (read_file_vector, struct read_file);

static void
add_file (read_file_vector *v, const char *path, const char *error)
{
  for (size_t i = 0; i < v->len; ++i)
    if (strcmp (v->ptr[i].path, path) == 0)
      return;
  read_file_vector_append (v, (struct read_file) {
      xstrdup (path), error ? xstrdup (error) : NULL });
}

/* Every file a conversion of g would read: the configuration, then each
 * disk's chain (extents, parents, archive members) as the converter
 * opens it, under the same reference rule (formats/refs.h).  A disk that
 * cannot be opened is listed with the reason.  Only headers are read (an
 * OVA's manifest is not checked here).  The disks of a remote source
 * are listed as the configuration names them: that source applies the
 * rule on its side when the conversion reads them. */
static void
files_read (const struct source_args *a, const struct guest *g,
            read_file_vector *out)
{
  size_t n = strlen (a->path);
  bool remote = a->conn || a->transport;
  bool vmx = a->type ? strcmp (a->type, "vmx") == 0
    : n > 4 && strcasecmp (a->path + n - 4, ".vmx") == 0;

  add_file (out, a->path, NULL);
  for (size_t i = 0; i < g->disks.len; ++i) {
    const struct guest_disk *d = &g->disks.ptr[i];
    const struct blk_open_options opts = {
      .raw_expected = true,
      .disk = d->ref,
      .verified_elsewhere = true,
      .allow_external_refs = a->allow_external_refs,
      .referrer = vmx ? a->path : NULL,
    };
    enum archive_kind kind = ARCHIVE_NONE;
    struct blk *b;

    if (!d->path)
      continue;
    if (remote || strcmp (d->path, "-") == 0 ||
        (archive_probe (d->path, &kind) == 0 && kind == ARCHIVE_XVA)) {
      add_file (out, d->path, NULL);     /* remote, or streamed whole */
      continue;
    }
    b = blk_open (d->path, &opts);
    if (!b) {
      add_file (out, d->path, get_error ());
      continue;
    }
    for (const struct blk *l = b; l; l = l->backing)
      for (size_t k = 0; k < l->files.len; ++k)
        add_file (out, l->files.ptr[k], NULL);
    blk_close (b);
  }
}

static void
print_files_json (const struct guest *g, const read_file_vector *files)
{
  /* The record's object, with "files" added as its last member. */
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream (&buf, &len);

  if (!m)
    abort ();
  guest_print_json (g, m);
  fclose (m);
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '}'))
    if (buf[--len] == '}')
      break;
  fwrite (buf, 1, len, stdout);
  printf (",\"files\":[");
  for (size_t i = 0; i < files->len; ++i) {
    printf ("%s{\"path\":", i ? "," : "");
    json_string (stdout, files->ptr[i].path);
    printf (",\"error\":");
    json_string (stdout, files->ptr[i].error);
    putchar ('}');
  }
  printf ("]}\n");
  free (buf);
}

int
cmd_source_show (int argc, char **argv)
{
  struct source_args a = { 0 };
  read_file_vector files = empty_vector;
  struct guest *g;
  int r;

  if ((r = parse_args (argc, argv, &a, false)) != 0)
    return r == -1 ? 0 : r;
  if (read_guest (&a, &g) == -1)
    return report_error ();
  files_read (&a, g, &files);
  if (a.json)
    print_files_json (g, &files);
  else {
    guest_print (g, stdout);
    printf ("files read:\n");
    for (size_t i = 0; i < files.len; ++i) {
      if (files.ptr[i].error)
        printf ("  %s (not readable: %s)\n", files.ptr[i].path,
                files.ptr[i].error);
      else
        printf ("  %s\n", files.ptr[i].path);
    }
  }
  for (size_t i = 0; i < files.len; ++i) {
    free (files.ptr[i].path);
    free (files.ptr[i].error);
  }
  read_file_vector_reset (&files);
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
