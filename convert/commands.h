/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: subcommands.  Each takes the words after its name (argv[0] is
 * the subcommand's own name, for getopt) and returns a process exit code
 * (error.h enum v2k_exit).  Errors are printed by the caller from the
 * last-error store, so a command returns exit_code_for() after a failure
 * and does not print the message itself. */
#ifndef V2K_COMMANDS_H
#define V2K_COMMANDS_H

struct command {
  const char *group;            /* "disk", or NULL for a top-level command */
  const char *name;             /* "info", "convert", ... */
  int (*run) (int argc, char **argv);
  const char *synopsis;         /* one line for --help */
};

/* The table, in the order --help lists it (main.c). */
extern const struct command commands[];

int cmd_disk_info (int argc, char **argv);
int cmd_disk_convert (int argc, char **argv);
int cmd_check_host (int argc, char **argv);
int cmd_verify (int argc, char **argv);
int cmd_source_show (int argc, char **argv);
int cmd_source_xml (int argc, char **argv);
int cmd_source_list (int argc, char **argv);
int cmd_fixup (int argc, char **argv);
int cmd_convert (int argc, char **argv);
int cmd_inspect (int argc, char **argv);
int cmd_batch (int argc, char **argv);
int cmd_batch_report (int argc, char **argv);

/* Print "v2kvm: <last error>" to stderr (and as JSON when machine-readable
 * output is on) and return exit_code_for(). */
int report_error (void);

/* Usage error: print "v2kvm: msg" plus a hint to --help, return 2. */
int usage_error (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

#endif /* V2K_COMMANDS_H */
