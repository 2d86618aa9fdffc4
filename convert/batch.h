/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm batch`: many guests from a plan file (docs/batch.md).
 *
 *   batch-plan.c     the plan: lines of `v2kvm convert` words, `defaults`
 *                    lines, each guest line validated by convert's own
 *                    parser (convert_parse) before anything runs
 *   batch-journal.c  the state directory: one record per guest, replaced
 *                    durably (write, fsync, rename, fsync the directory)
 *   batch-run.c      children (`v2kvm convert --machine-readable`, each in
 *                    its own process group), their JSON lines, Ctrl-C
 *   cmd-batch.c      the options, the summary and `batch report`
 */
#ifndef V2K_BATCH_H
#define V2K_BATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vector.h"

/* One guest line of the plan. */
struct plan_guest {
  unsigned line;                /* 1-based line number in the plan */
  char **argv;                  /* "convert", defaults..., own words, NULL */
  int argc;
  char *name;                   /* journal key: -on, else the source's
                                   name, else the source's file stem */
};
DEFINE_VECTOR_TYPE (plan_guest_list, struct plan_guest);

/* Split one plan line into words as a POSIX shell would without
 * expansions: blanks separate, '...' is literal, "..." keeps \" \\ \$ \`
 * escapes, a backslash outside quotes escapes the next character, and a
 * word starting with # begins a comment.  0, or -1 + set_error (an
 * unterminated quote). */
int plan_split (const char *line, string_vector *words);

/* Read and validate the whole plan: every bad line is printed to stderr
 * as "v2kvm: PLAN:LINE: what" and then -1 is returned with the error set
 * (kind V2K_ERR_USAGE) so nothing runs.  Duplicate guest names are bad
 * lines too. */
int plan_read (const char *path, plan_guest_list *out);
void plan_free (plan_guest_list *plan);

/* Shard K of N (1-based K) holds the guests whose name hashes (FNV-1a
 * 64) to K-1 modulo N: stable when lines move or others are added. */
bool plan_in_shard (const char *name, unsigned k, unsigned n);

/* ---- journal ---- */

enum job_status {
  JOB_PENDING = 0, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_INTERRUPTED,
};

struct job_record {
  char *name;
  unsigned line;
  enum job_status status;
  int exit;                     /* the convert's exit code */
  char *message;                /* its error message, or NULL */
  int64_t start;                /* Unix time the run started, 0 = never */
  double seconds;
  uint64_t bytes_read, bytes_written;
  unsigned warnings;
  string_vector targets;        /* files the run's output creates */
  char *log;                    /* the log file */
};
DEFINE_VECTOR_TYPE (job_record_list, struct job_record);

const char *job_status_name (enum job_status s);

/* Make DIR (and DIR/guests, DIR/logs) if missing: 0 or -1 + set_error. */
int journal_open (const char *dir);

/* Replace the record of r->name in DIR durably: 0 or -1 + set_error. */
int journal_write (const char *dir, const struct job_record *r);

/* The record of name: 1 found, 0 none, -1 + set_error (unreadable or
 * corrupt, naming the file). */
int journal_read (const char *dir, const char *name, struct job_record *r);

/* Every record in DIR, appended to *out. 0 or -1 + set_error. */
int journal_list (const char *dir, job_record_list *out);

void job_record_free (struct job_record *r);

/* ---- running ---- */

struct batch_options {
  const char *state;            /* the state directory */
  unsigned parallel;            /* guests at once */
  bool machine;                 /* --machine-readable */
  bool retry_failed;
  bool assess;                  /* run `inspect` instead of `convert` */
};

/* Run the guests of plan (already selected by --only / --shard) not
 * yet done.  Fills *out with their final records (the skipped ones
 * too).  Returns 0 when every run ended (converted or failed), or -1 +
 * set_error: interrupted (kind V2K_ERR_INTERRUPTED) or the journal
 * could not be written. */
int batch_run (const plan_guest_list *plan, const struct batch_options *o,
               job_record_list *out);

/* Start argv (argv[0] a path) in its own process group, stdin
 * /dev/null, stderr on errfd, stdout on a new non-blocking pipe whose
 * read end goes to *outfd; it gets SIGTERM if batch dies.  The pid, or
 * -1 + set_error. */
#include <sys/types.h>
pid_t batch_spawn (char *const *argv, int errfd, int *outfd);

/* The children's JSON lines, read without a parser: the string value
 * of the first "key" (decoded; NULL when absent), and the sum of every
 * number value of "key". */
char *jget_str (const char *line, const char *key);
uint64_t jsum_u64 (const char *line, const char *key);

/* This program's path (to run its subcommands as children). */
char *batch_self_exe (void);

/* The appliance vCPUs each of `parallel` guests at once gets: the host's
 * online cores divided among them, 1 to FIXUP_MAX_SMP. */
unsigned batch_smp (unsigned parallel);

/* The child's command line: argv[0] the program, then cmd ("convert"
 * or "inspect"), flag ("--machine-readable", "--json"), "--smp" and the
 * appliance vCPUs each of `parallel` guests at once gets, then the plan
 * line's words after its first (so a line's own --smp wins).  The host's
 * cores are divided among the guests, at least one each: appliances with
 * more vCPUs in all than the host has cores slow each other down far
 * more than their share (docs/benchmarks.md, "batch against sequential
 * converts": 0.77 of the sequential time with two 2-vCPU appliances on
 * 2 cores, 0.59 with two of one vCPU, same session).  Free the array
 * (not its strings) and *smpbuf, which holds the number. */
char **batch_child_argv (const char *exe, const char *cmd, const char *flag,
                         unsigned parallel, const struct plan_guest *pg,
                         char **smpbuf);

/* --assess: `v2kvm inspect --json` over the plan's guests, parallel
 * guests at once; prints what would convert, the blockers and warnings,
 * and the totals.  Returns 0 when every guest would convert,
 * V2K_EXIT_BATCH_FAILED when some would not. */
int batch_assess (const plan_guest_list *plan, unsigned parallel,
                  bool machine);

/* The table a person reads ("NAME STATUS EXIT SECONDS MESSAGE"). */
void batch_print_table (FILE *fp, const job_record_list *l);

#endif /* V2K_BATCH_H */
