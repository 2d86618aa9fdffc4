/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: entry point.  Parses the global options, dispatches to a
 * subcommand, installs the signal handlers, and is the only place that
 * prints errors (error.h).  Exit codes are listed in usage() and v2kvm(1). */
#include <config.h>

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "error.h"

const struct command commands[] = {
  { NULL, "convert", cmd_convert,
    "convert -i vmx|ova|ovf|xva|xl|xm|libvirtxml|disk [-it ssh] SOURCE...\n"
    "              | -ic esx://...|vpx://... [-ip FILE] GUEST\n"
    "              [-o local|libvirt|qemu|null] [-os DIR|POOL] [-oc URI]\n"
    "              [-of qcow2|raw] [-oa sparse|preallocated] [-on NAME] [-c]\n"
    "              [--replace] [--network in:out] [--bridge in:out]\n"
    "              [--domain-type kvm|qemu] [--graphics vnc|spice|none]\n"
    "              [--root single|first|DEV] [--accel auto|kvm|tcg] [--smp N]\n"
    "              [--mac NAME=MAC]... [--virtio-win PATH]\n"
    "              [--block-driver virtio-blk|virtio-scsi] [--no-trim]\n"
    "              [--key ID:key:PASSPHRASE|ID:file:FILE]... [--keys-from-stdin]\n"
    "              [--rebuild-initramfs] [--no-fixup] [-j N] [--no-verify]\n"
    "              [--allow-external-refs] [--print-source] [--machine-readable]" },
  { "disk", "info", cmd_disk_info,
    "disk info IMAGE [--json] [--format FMT] [--disk N|REF] [--no-verify]\n"
    "                     [--allow-external-refs]" },
  { NULL, "verify", cmd_verify,
    "verify FILE.ova|FILE.xva|DIR|-" },
  { "disk", "convert", cmd_disk_convert,
    "disk convert IMAGE OUTPUT [-O qcow2|raw] [-c] [-j N] [-f FMT]\n"
    "                     [--force] [--machine-readable] [--cluster-size BYTES]\n"
    "                     [--disk N|REF] [--no-verify] [--allow-external-refs]" },
  { NULL, "check-host", cmd_check_host,
    "check-host [--accel auto|kvm|tcg]" },
  { "source", "show", cmd_source_show,
    "source show -i vmx|ova|ovf|xl|xm|libvirtxml|xva [-it ssh] SOURCE\n"
    "                     | -ic esx://...|vpx://... [-ip FILE] GUEST  [--json]\n"
    "                     [--allow-external-refs]" },
  { "source", "list", cmd_source_list,
    "source list -ic esx://[USER@]HOST[:PORT]/[?no_verify=1]|vpx://...\n"
    "                     [-ip FILE] [--json]" },
  { "source", "xml", cmd_source_xml,
    "source xml -i TYPE [-it ssh] SOURCE | -ic URI [-ip FILE] GUEST\n"
    "                     [--network in:out] [--bridge in:out]\n"
    "                     [--domain-type kvm|qemu] [--graphics vnc|spice|none]" },
  { NULL, "fixup", cmd_fixup,
    "fixup [--root single|first|/dev/...] [--dry-run] [--machine-readable]\n"
    "              [--accel auto|kvm|tcg] [--smp N] [--mac NAME=MAC]...\n"
    "              [--virtio-win PATH]\n"
    "              [--block-driver virtio-blk|virtio-scsi] [--rebuild-initramfs]\n"
    "              DISK..." },
  { NULL, "inspect", cmd_inspect,
    "inspect -i TYPE SOURCE... [convert's options] [--json]" },
  { "batch", "report", cmd_batch_report,
    "batch report [PLAN] [--state DIR]... [--json|--csv]" },
  { NULL, "batch", cmd_batch,
    "batch PLAN [-P N|auto] [--state DIR] [--retry-failed] [--only NAME]...\n"
    "              [--shard K/N] [--assess] [--machine-readable]" },
  { NULL, NULL, NULL, NULL }
};

static void
usage (FILE *fp)
{
  fprintf (fp,
"v2kvm %s: move VMware and Xen guests to KVM\n"
"\n"
"Usage: v2kvm [-v|-q] COMMAND [OPTIONS] ARGS...\n"
"\n"
"Commands:\n", PACKAGE_VERSION);
  for (size_t i = 0; commands[i].run; ++i)
    fprintf (fp, "  v2kvm %s\n", commands[i].synopsis);
  fprintf (fp,
"\n"
"Global options: -v/--verbose, -q/--quiet, --help, --version.\n"
"Options may come before or after the operands; 'v2kvm COMMAND --help'\n"
"describes each command's options.\n"
"\n"
"Exit codes:\n"
"  0    success\n"
"  1    internal or unclassified error\n"
"  2    usage error\n"
"  3    input missing, unreadable or corrupt\n"
"  4    input uses a feature v2kvm does not support\n"
"  5    cannot write the output\n"
"  6    integrity check failed (checksum or manifest mismatch)\n"
"  7    the guest cannot be converted\n"
"  8    hypervisor, appliance or libvirt failure\n"
"  10   batch: some guests failed (see 'v2kvm batch report')\n"
"  130  interrupted (SIGINT/SIGTERM); partial output removed\n");
}

int
report_error (void)
{
  const char *msg = get_error ();

  fprintf (stderr, "%s: %s\n", v2k_progname,
           msg[0] ? msg : "unknown error (this is a bug)");
  return exit_code_for ();
}

int
usage_error (const char *fmt, ...)
{
  va_list ap;

  fprintf (stderr, "%s: ", v2k_progname);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fprintf (stderr, " (try 'v2kvm --help')\n");
  return V2K_EXIT_USAGE;
}

static void
on_signal (int sig)
{
  v2k_interrupted = 1;
  if (v2k_interrupt_hook)
    v2k_interrupt_hook ();
}

static void
install_signals (void)
{
  struct sigaction sa;

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);
}

int
main (int argc, char **argv)
{
  int i;

  /* Global options stop at the first word that is not an option. */
  for (i = 1; i < argc && argv[i][0] == '-'; ++i) {
    if (strcmp (argv[i], "-v") == 0 || strcmp (argv[i], "--verbose") == 0)
      v2k_verbose = true;
    else if (strcmp (argv[i], "-q") == 0 || strcmp (argv[i], "--quiet") == 0)
      v2k_quiet = true;
    else if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
      usage (stdout);
      return 0;
    }
    else if (strcmp (argv[i], "--version") == 0 || strcmp (argv[i], "-V") == 0) {
      printf ("v2kvm %s\n", PACKAGE_VERSION);
      return 0;
    }
    else
      return usage_error ("unknown option '%s'", argv[i]);
  }
  if (i >= argc) {
    usage (stderr);
    return V2K_EXIT_USAGE;
  }
  install_signals ();
  for (size_t c = 0; commands[c].run; ++c) {
    const struct command *cmd = &commands[c];
    if (cmd->group == NULL && strcmp (argv[i], cmd->name) == 0)
      return cmd->run (argc - i, argv + i);
    if (cmd->group && strcmp (argv[i], cmd->group) == 0 &&
        i + 1 < argc && strcmp (argv[i + 1], cmd->name) == 0)
      return cmd->run (argc - i - 1, argv + i + 1);
  }
  return usage_error ("unknown command '%s%s%s'", argv[i],
                      i + 1 < argc ? " " : "", i + 1 < argc ? argv[i + 1] : "");
}
