/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm verify ARCHIVE`: check an OVA's manifest or an XVA's
 * block checksums, and nothing else (no disk is decoded).
 *
 * Prints one line per checked item on stdout, "OK sha256 disk1.vmdk" or
 * "FAILED sha256 disk1.vmdk (got HEX)", and exits 0 only when every
 * item passed (6 on a mismatch, 3 on a truncated or corrupt archive). */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "archive.h"
#include "commands.h"
#include "error.h"

static void
print_result (void *opaque, const char *algo, const char *file, bool ok,
              const char *detail)
{
  if (strcmp (algo, "cert") == 0 || strcmp (algo, "none") == 0)
    printf ("UNCHECKED %s %s%s%s%s\n", algo, file, detail[0] ? " (" : "",
            detail, detail[0] ? ")" : "");
  else if (ok)
    printf ("OK %s %s\n", algo, file);
  else
    printf ("FAILED %s %s (%s)\n", algo, file, detail);
  fflush (stdout);
}

int
cmd_verify (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  enum archive_kind kind;
  const char *path;
  int c, r;

  optind = 1;
  while ((c = getopt_long (argc, argv, "h", longopts, NULL)) != -1) {
    switch (c) {
    case 'h':
      printf ("usage: v2kvm verify FILE.ova|FILE.xva|DIR|-\n");
      return 0;
    default: return usage_error ("verify: bad option");
    }
  }
  if (argc - optind != 1)
    return usage_error ("verify: expected one ARCHIVE");
  path = argv[optind];
  if (archive_probe (path, &kind) == -1)
    return report_error ();
  switch (kind) {
  case ARCHIVE_OVA:
  case ARCHIVE_OVF_DIR:
    r = ova_verify (path, print_result, NULL);
    break;
  case ARCHIVE_XVA:
    r = xva_stream_disk (path, NULL, NULL, print_result, NULL);
    break;
  default:
    set_error (EINVAL, "'%s' is not an OVA, OVF or XVA archive", path);
    r = -1;
  }
  return r == -1 ? report_error () : 0;
}
