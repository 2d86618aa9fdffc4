/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm disk convert IMAGE OUTPUT [-O qcow2|raw] [-c] [-j N]
 * [--format FMT] [--force] [--machine-readable] [--cluster-size BYTES]`.
 *
 * Copies one disk image (any format a reader knows, chains merged) into
 * a new qcow2 or raw image with the copy engine (copy.c).  The input is
 * opened read-only; the output is written under a temporary name and
 * renamed when complete (writer.h), so an interrupted or failed run
 * leaves nothing behind.  An existing OUTPUT is refused (exit 5) unless
 * --force, which replaces a regular file atomically and writes a block
 * or character device in place.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "blk.h"
#include "commands.h"
#include "copy.h"
#include "error.h"
#include "progress.h"
#include "writer.h"
#include "xva-convert.h"

#define MAX_JOBS 32

static const char usage_text[] =
"usage: v2kvm disk convert IMAGE OUTPUT [OPTIONS]\n"
"\n"
"Copy the virtual disk IMAGE (raw, VMDK, VHD, qcow2, ...; probed unless\n"
"--format) into a new image OUTPUT.  Holes, zero extents and all-zero\n"
"blocks are not written: the output is sparse.\n"
"\n"
"  -O, --output-format qcow2|raw   output format (default qcow2)\n"
"  -c, --compress                  deflate-compress qcow2 clusters\n"
"  -j, --jobs N                    reader/compressor threads (default: cores)\n"
"  -f, --format FMT                input format, skipping the probe\n"
"      --force                     replace an existing OUTPUT (a regular\n"
"                                  file atomically; a device in place)\n"
"      --machine-readable          JSON lines on stdout\n"
"                                  (docs/machine-readable.md)\n"
"      --cluster-size BYTES        qcow2 cluster size (default 65536)\n"
"      --disk N|REF                the disk of an OVA (N: 1.., OVF order)\n"
"                                  or an XVA (N, or its Ref:NN)\n"
"      --no-verify                 skip the OVA manifest / XVA checksums\n"
"      --allow-external-refs       follow references (extents, parents,\n"
"                                  backing files) out of IMAGE's directory\n"
"\n"
"IMAGE may be an OVA (or its directory, or .ovf), read in place, or an\n"
"XVA (gzip/zstd compressed too, '-' for stdin), streamed.  Their\n"
"manifest or block checksums are checked during the conversion; a\n"
"mismatch is exit 6 and leaves no OUTPUT.\n"
"\n"
"OUTPUT is written as a hidden temporary file in its directory and\n"
"renamed when complete; on failure or interruption it is removed.\n"
"An existing OUTPUT is an error (exit 5) without --force.\n";

struct convert_args {
  const char *image;
  const char *output;
  struct blk_open_options in;   /* --format, --disk, --no-verify */
  const char *out_format;
  bool machine;
  struct writer_options wopts;
  struct copy_options copts;
};

/* Parse a positive integer option; -1 if invalid. */
static long long
parse_number (const char *s, long long max)
{
  char *end;
  long long v;

  errno = 0;
  v = strtoll (s, &end, 10);
  if (errno || end == s || *end || v < 1 || v > max)
    return -1;
  return v;
}

/* Fill a from argv: 0, or an exit code (usage error or --help). */
static int
parse_args (int argc, char **argv, struct convert_args *a, bool *help)
{
  enum { OPT_FORCE = 256, OPT_MACHINE, OPT_CLUSTER, OPT_DISK, OPT_NOVERIFY,
         OPT_EXTREFS };
  static const struct option longopts[] = {
    { "output-format", required_argument, NULL, 'O' },
    { "compress", no_argument, NULL, 'c' },
    { "jobs", required_argument, NULL, 'j' },
    { "format", required_argument, NULL, 'f' },
    { "force", no_argument, NULL, OPT_FORCE },
    { "machine-readable", no_argument, NULL, OPT_MACHINE },
    { "cluster-size", required_argument, NULL, OPT_CLUSTER },
    { "disk", required_argument, NULL, OPT_DISK },
    { "no-verify", no_argument, NULL, OPT_NOVERIFY },
    { "allow-external-refs", no_argument, NULL, OPT_EXTREFS },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  long long v;
  int c;

  a->out_format = "qcow2";
  optind = 1;
  while ((c = getopt_long (argc, argv, "O:cj:f:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'O': a->out_format = optarg; break;
    case 'c': a->wopts.compress = true; break;
    case 'f': a->in.format = optarg; break;
    case OPT_FORCE: a->wopts.force = true; break;
    case OPT_MACHINE: a->machine = true; break;
    case OPT_DISK: a->in.disk = optarg; break;
    case OPT_NOVERIFY: a->in.no_verify = true; break;
    case OPT_EXTREFS: a->in.allow_external_refs = true; break;
    case 'h': *help = true; return 0;
    case 'j':
      if ((v = parse_number (optarg, MAX_JOBS)) == -1)
        return usage_error ("disk convert: -j wants a number from 1 to %d",
                            MAX_JOBS);
      a->copts.threads = (unsigned) v;
      break;
    case OPT_CLUSTER:
      if ((v = parse_number (optarg, 2 * 1024 * 1024)) == -1)
        return usage_error ("disk convert: bad --cluster-size '%s'", optarg);
      a->wopts.cluster_size = (uint32_t) v;
      break;
    default:
      return usage_error ("disk convert: bad option");
    }
  }
  if (argc - optind != 2)
    return usage_error ("disk convert: expected IMAGE and OUTPUT");
  a->image = argv[optind];
  a->output = argv[optind + 1];
  if (!writer_find_driver (a->out_format))
    return usage_error ("disk convert: unknown output format '%s' "
                        "(qcow2 or raw)", a->out_format);
  if (a->wopts.compress && strcmp (a->out_format, "qcow2") != 0)
    return usage_error ("disk convert: -c needs -O qcow2");
  return 0;
}

/* True if image is an XVA (streamed, not a block source); *r = -1 if it
 * could not be probed (then also true, so the caller reports it). */
static bool
is_xva (const char *image, int *r)
{
  enum archive_kind kind;

  *r = archive_probe (image, &kind);
  return *r == -1 || kind == ARCHIVE_XVA;
}

/* Report the current error, end the progress output, return the code. */
static int
fail (struct progress *p, const struct copy_stats *st)
{
  int code = report_error ();

  progress_end (p, code, st, 0);
  return code;
}

int
cmd_disk_convert (int argc, char **argv)
{
  struct convert_args a = { 0 };
  struct copy_stats st = { 0 };
  struct progress *p;
  struct writer *w;
  struct blk *b;
  bool help = false;
  uint64_t usage;
  int r;

  if ((r = parse_args (argc, argv, &a, &help)) != 0)
    return r;
  if (help) {
    fputs (usage_text, stdout);
    return 0;
  }
  p = progress_new (a.machine);
  progress_start (p, "disk convert", a.image, a.output, a.out_format);
  if (!a.in.format && is_xva (a.image, &r)) {
    if (r == -1 || xva_convert (a.image, &a.in, a.out_format, a.output, &a.wopts,
                                &st, progress_update, p, &usage) == -1)
      return fail (p, &st);
    progress_end (p, 0, &st, usage);
    return 0;
  }
  /* An OVA's manifest is checked beside the copy (archive.h). */
  a.in.verify_later = true;
  b = blk_open (a.image, &a.in);
  if (!b)
    return fail (p, NULL);
  w = writer_create (a.out_format, a.output, b->size, &a.wopts);
  if (!w) {
    blk_close (b);
    return fail (p, NULL);
  }
  a.copts.progress = progress_update;
  a.copts.progress_opaque = p;
  if (copy_disk (b, w, &a.copts, &st) == -1 ||
      archive_verify_finish (b) == -1 || writer_finish (w) == -1) {
    writer_abort (w);
    blk_close (b);
    return fail (p, &st);
  }
  usage = writer_disk_usage (w);
  writer_close (w);
  blk_close (b);
  progress_end (p, 0, &st, usage);
  return 0;
}
