/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm source list -ic URI [-ip FILE] [--json]`: every VM of an
 * ESXi host or vCenter datacenter, with what a migration plan needs
 * (power state, guest OS, firmware, disks with provisioned and used
 * bytes, NICs), from the vSphere API alone: no VM file is read. */
#include <config.h>

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "error.h"
#include "json.h"
#include "progress.h"
#include "vsphere.h"

static const char list_usage[] =
"usage: v2kvm source list -ic URI [-ip FILE] [--json]\n"
"\n"
"List every VM of an ESXi host or a vCenter datacenter with what a\n"
"migration plan needs: power state, guest OS, firmware, disks with their\n"
"provisioned and used bytes (each disk's files on the datastore, its\n"
"snapshot chain included), NICs.  Only the vSphere API is read.\n"
"\n"
"  -ic URI                         esx://[USER@]HOST[:PORT]/[?no_verify=1]\n"
"                                  or vpx://[USER@]VCENTER[:PORT]/DC/...\n"
"  -ip FILE                        password: FILE's first line (else asked\n"
"                                  on a terminal)\n"
"      --json                      one JSON object instead of a table\n";

static const char *
or_dash (const char *s)
{
  return s && *s ? s : "-";
}

static void
print_json (const struct vsphere_vm *vms, size_t n)
{
  printf ("{\"vms\":[");
  for (size_t i = 0; i < n; i++) {
    const struct vsphere_vm *vm = &vms[i];
    printf ("%s\n{\"name\":", i ? "," : "");
    json_string (stdout, vm->name);
    printf (",\"power\":");
    json_string (stdout, vm->power);
    printf (",\"guest_id\":");
    json_string (stdout, vm->guest_id);
    printf (",\"guest_os\":");
    json_string (stdout, vm->guest_name);
    printf (",\"firmware\":");
    json_string (stdout, vm->firmware && *vm->firmware ? vm->firmware
                 : "bios");
    printf (",\"vmx\":");
    json_string (stdout, vm->vmx);
    printf (",\"used_bytes\":%" PRIu64 ",\"disks\":[", vm->used);
    for (size_t k = 0; k < vm->ndisks; k++) {
      printf ("%s{\"file\":", k ? "," : "");
      json_string (stdout, vm->disks[k].file);
      printf (",\"provisioned_bytes\":%" PRIu64, vm->disks[k].capacity);
      if (vm->disks[k].used == VSPHERE_UNKNOWN)
        printf (",\"used_bytes\":null}");
      else
        printf (",\"used_bytes\":%" PRIu64 "}", vm->disks[k].used);
    }
    printf ("],\"nics\":[");
    for (size_t k = 0; k < vm->nnics; k++) {
      printf ("%s{\"model\":", k ? "," : "");
      json_string (stdout, vm->nics[k].model);
      printf (",\"mac\":");
      json_string (stdout, vm->nics[k].mac);
      printf (",\"network\":");
      json_string (stdout, vm->nics[k].network);
      printf ("}");
    }
    printf ("]}");
  }
  printf ("\n]}\n");
}

static void
print_table (const struct vsphere_vm *vms, size_t n)
{
  printf ("%-24s %-11s %-24s %-8s %5s %12s %12s  %s\n", "NAME", "POWER",
          "GUEST OS", "FIRMWARE", "DISKS", "PROVISIONED", "USED", "NICS");
  for (size_t i = 0; i < n; i++) {
    const struct vsphere_vm *vm = &vms[i];
    uint64_t prov = 0, used = 0;
    char a[32], b[32], nics[256] = "";
    for (size_t k = 0; k < vm->ndisks; k++) {
      prov += vm->disks[k].capacity;
      used += vm->disks[k].used == VSPHERE_UNKNOWN ? 0 : vm->disks[k].used;
    }
    /* The disks' usage; the VM's (all its files) if the server gave no
     * per-disk figure. */
    for (size_t k = 0; k < vm->ndisks; k++)
      if (vm->disks[k].used == VSPHERE_UNKNOWN)
        used = vm->used;
    for (size_t k = 0; k < vm->nnics; k++) {
      size_t len = strlen (nics);
      snprintf (nics + len, sizeof nics - len, "%s%s (%s)", k ? ", " : "",
                or_dash (vm->nics[k].model), or_dash (vm->nics[k].network));
    }
    printf ("%-24s %-11s %-24s %-8s %5zu %12s %12s  %s\n", vm->name,
            or_dash (vm->power), or_dash (vm->guest_id),
            vm->firmware && *vm->firmware ? vm->firmware : "bios",
            vm->ndisks, progress_human ((double) prov, a, sizeof a),
            progress_human ((double) used, b, sizeof b),
            *nics ? nics : "-");
  }
}

int
cmd_source_list (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "ic", required_argument, NULL, 'c' },
    { "ip", required_argument, NULL, 'p' },
    { "json", no_argument, NULL, 'j' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  const char *uri = NULL, *pwfile = NULL;
  bool json = false;
  struct vsphere_vm *vms = NULL;
  struct vsphere *v;
  size_t n = 0;
  int c;

  optind = 1;
  while ((c = getopt_long_only (argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 'c': uri = optarg; break;
    case 'p': pwfile = optarg; break;
    case 'j': json = true; break;
    case 'h': fputs (list_usage, stdout); return 0;
    default: return usage_error ("bad option for 'source list'");
    }
  }
  if (!uri || !vsphere_is_uri (uri))
    return usage_error ("source list: give -ic esx://... or vpx://...");
  if (optind != argc)
    return usage_error ("source list: unexpected '%s'", argv[optind]);
  v = vsphere_open (uri, pwfile);
  if (!v)
    return report_error ();
  if (vsphere_list (v, &vms, &n) == -1) {
    vsphere_close (v);
    return report_error ();
  }
  vsphere_close (v);
  if (json)
    print_json (vms, n);
  else
    print_table (vms, n);
  vsphere_vms_free (vms, n);
  return 0;
}
