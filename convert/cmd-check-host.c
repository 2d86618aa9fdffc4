/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm check-host [--accel auto|kvm|tcg]`.
 *
 * Says whether this host can convert guests: KVM usable (probed, not
 * assumed), nbdkit and our plugin present.  Exit 0 when a conversion can
 * run (possibly under TCG), 8 when it cannot (e.g. --accel kvm with a
 * broken KVM). */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "accel.h"
#include "cleanup.h"
#include "commands.h"
#include "error.h"
#include "nbd.h"

static bool
in_path (const char *prog)
{
  CLEANUP_FREE char *path = find_program (prog);

  return path != NULL;
}

int
cmd_check_host (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "accel", required_argument, NULL, 'a' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  enum accel want = ACCEL_AUTO, got;
  CLEANUP_FREE char *why = NULL;
  CLEANUP_FREE char *plugin = nbd_plugin_path ();
  bool kvm, ok = true;
  int c;

  optind = 1;
  while ((c = getopt_long (argc, argv, "h", longopts, NULL)) != -1) {
    switch (c) {
    case 'a':
      if ((c = accel_parse (optarg)) == -1)
        return usage_error ("check-host: --accel takes auto, kvm or tcg");
      want = c;
      break;
    case 'h':
      printf ("usage: v2kvm check-host [--accel auto|kvm|tcg]\n");
      return 0;
    default:
      return usage_error ("check-host: bad option");
    }
  }
  if (optind != argc)
    return usage_error ("check-host: no operands expected");

  kvm = accel_kvm_probe (true, &why);
  if (kvm)
    printf ("kvm: usable\n");
  else
    printf ("kvm: unusable (%s)\n", why);
  printf ("nbdkit: %s\n", in_path ("nbdkit") ? "found" : "missing");
  printf ("nbdkit plugin: %s%s\n", plugin,
          access (plugin, R_OK) == 0 ? "" : " (missing)");
  if (!in_path ("nbdkit") || access (plugin, R_OK) != 0)
    ok = false;
  if (accel_choose (want, &got) == -1)
    return report_error ();
  printf ("conversions will use: %s\n", accel_name (got));
  return ok ? 0 : V2K_EXIT_HYPERVISOR;
}
