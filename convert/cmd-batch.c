/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm batch PLAN` and `v2kvm batch report` (batch.h,
 * docs/batch.md): options, the choice of -P, the selection (--only,
 * --shard), the summary table, and the report as text, JSON or CSV. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "cleanup.h"
#include "commands.h"
#include "error.h"
#include "json.h"
#include "xalloc.h"

#define MAX_PARALLEL 64
/* What one conversion needs besides the shared page cache: the
 * libguestfs appliance (its default memsize, 1280 MiB, guestfs(3)), our
 * copy buffers and nbdkit. */
#define GUEST_MEMORY (UINT64_C (1536) << 20)

static const char batch_usage[] =
"usage: v2kvm batch PLAN [-P N|auto] [--state DIR] [--retry-failed]\n"
"                  [--only NAME]... [--shard K/N] [--assess]\n"
"                  [--machine-readable]\n"
"\n"
"Convert many guests.  PLAN has one guest per line: the arguments of\n"
"'v2kvm convert' (shell-like words and quotes, # comments); a line\n"
"'defaults ARGS...' gives options for the guest lines after it (a guest\n"
"line's own options win).  Every line is checked before anything runs.\n"
"\n"
"  -P N|auto            guests at once (auto: from cores and free memory)\n"
"  --state DIR          journal and logs (default PLAN.state, or\n"
"                       PLAN.shardK-of-N.state with --shard)\n"
"  --retry-failed       run the guests that failed before again\n"
"  --only NAME          only this guest (repeatable)\n"
"  --shard K/N          only the K-th of N stable shares of the plan\n"
"  --assess             run 'v2kvm inspect' over the plan, convert nothing\n"
"  --machine-readable   convert's JSON lines, each with a \"guest\" field\n"
"\n"
"A rerun skips the guests done, redoes interrupted ones.  Exit 0 when\n"
"every guest converted, 10 when some failed, 130 when interrupted.\n"
"'v2kvm batch report' prints the results.  See docs/batch.md.\n";

static const char report_usage[] =
"usage: v2kvm batch report [PLAN] [--state DIR]... [--json|--csv]\n"
"\n"
"The results of a batch: guest, status, exit class, message, start,\n"
"duration, bytes, warnings.  Several --state directories (shards) are\n"
"merged.\n"
"\n"
"  --state DIR          a state directory (default PLAN.state)\n"
"  --json               one JSON array instead of a table\n"
"  --csv                CSV with a header line\n";

/* auto: one guest per core, as far as the available memory holds them
 * (at least one).  Says what it chose. */
static unsigned
auto_parallel (bool say)
{
  long cores = sysconf (_SC_NPROCESSORS_ONLN);
  uint64_t avail = 0;
  FILE *fp = fopen ("/proc/meminfo", "re");
  char line[256];
  unsigned p;

  while (fp && fgets (line, sizeof line, fp))
    if (sscanf (line, "MemAvailable: %" SCNu64 " kB", &avail) == 1)
      break;
  if (fp)
    fclose (fp);
  if (cores < 1)
    cores = 1;
  p = (unsigned) cores;
  if (avail && avail * 1024 / GUEST_MEMORY < p)
    p = (unsigned) (avail * 1024 / GUEST_MEMORY);
  if (p < 1)
    p = 1;
  if (p > MAX_PARALLEL)
    p = MAX_PARALLEL;
  if (say)
    fprintf (stderr, "%s: batch: %u guest%s at once (-P auto: %ld cores, "
             "%.1f GiB memory available, %.1f GiB per guest; %u appliance "
             "vCPU%s each)\n",
             v2k_progname, p, p > 1 ? "s" : "", cores,
             (double) avail / (1 << 20), (double) GUEST_MEMORY / (1 << 30),
             batch_smp (p), batch_smp (p) > 1 ? "s" : "");
  return p;
}

static int
parse_shard (const char *s, unsigned *k, unsigned *n)
{
  char *end;
  unsigned long a = strtoul (s, &end, 10), b;

  if (end == s || *end != '/')
    return -1;
  s = end + 1;
  b = strtoul (s, &end, 10);
  if (end == s || *end || b < 1 || b > 100000 || a < 1 || a > b)
    return -1;
  *k = (unsigned) a;
  *n = (unsigned) b;
  return 0;
}

/* ---- batch report ---- */

static void
csv_field (FILE *fp, const char *s)
{
  fputc ('"', fp);
  for (; s && *s; ++s) {
    if (*s == '"')
      fputc ('"', fp);
    fputc (*s == '\n' ? ' ' : *s, fp);
  }
  fputc ('"', fp);
}

static void
iso_time (char *buf, size_t len, int64_t t)
{
  time_t tt = (time_t) t;
  struct tm tm;

  if (!t || !gmtime_r (&tt, &tm))
    buf[0] = '\0';
  else
    strftime (buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* RFC 4180 CSV or JSON (docs/batch.md "batch report"). */
static void
print_report (FILE *fp, const job_record_list *l, bool json)
{
  if (!json)
    fprintf (fp, "guest,status,exit,class,message,start,seconds,"
             "bytes_read,bytes_written,warnings,line\r\n");
  else
    fprintf (fp, "{\"version\":1,\"guests\":[");
  for (size_t i = 0; i < l->len; ++i) {
    const struct job_record *r = &l->ptr[i];
    const char *class = r->status == JOB_PENDING ? ""
      : exit_class_name (r->exit);
    char start[32];
    iso_time (start, sizeof start, r->start);
    if (json) {
      fprintf (fp, "%s\n{\"guest\":", i ? "," : "");
      json_string (fp, r->name);
      fprintf (fp, ",\"status\":\"%s\",\"exit\":%d,\"class\":\"%s\","
               "\"message\":", job_status_name (r->status), r->exit, class);
      json_string (fp, r->message);
      fprintf (fp, ",\"start\":");
      json_string (fp, start[0] ? start : NULL);
      fprintf (fp, ",\"seconds\":%.3f,\"bytes_read\":%" PRIu64
               ",\"bytes_written\":%" PRIu64 ",\"warnings\":%u,"
               "\"line\":%u}", r->seconds, r->bytes_read, r->bytes_written,
               r->warnings, r->line);
    }
    else {
      csv_field (fp, r->name);
      fprintf (fp, ",%s,%d,%s,", job_status_name (r->status), r->exit, class);
      csv_field (fp, r->message);
      fprintf (fp, ",%s,%.3f,%" PRIu64 ",%" PRIu64 ",%u,%u\r\n", start,
               r->seconds, r->bytes_read, r->bytes_written, r->warnings,
               r->line);
    }
  }
  if (json)
    fprintf (fp, "\n]}\n");
}

static int
by_line (const void *a, const void *b)
{
  const struct job_record *x = a, *y = b;

  return (x->line > y->line) - (x->line < y->line);
}

static void
records_free (job_record_list *l)
{
  for (size_t i = 0; i < l->len; ++i)
    job_record_free (&l->ptr[i]);
  job_record_list_reset (l);
}

int
cmd_batch_report (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "state", required_argument, NULL, 's' },
    { "json", no_argument, NULL, 'j' },
    { "csv", no_argument, NULL, 'c' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  string_vector states = empty_vector;
  job_record_list all = empty_vector;
  int c, fmt = 0, r = 0;

  optind = 0;
  while ((c = getopt_long (argc, argv, "h", longopts, NULL)) != -1) {
    switch (c) {
    case 's': string_vector_append (&states, xstrdup (optarg)); break;
    case 'j': fmt = 'j'; break;
    case 'c': fmt = 'c'; break;
    case 'h': fputs (report_usage, stdout); string_vector_free_all (&states);
      return 0;
    default: string_vector_free_all (&states);
      return usage_error ("batch report: bad option");
    }
  }
  if (optind < argc)            /* a PLAN: its default state directory */
    string_vector_append (&states, xasprintf ("%s.state", argv[optind++]));
  if (optind < argc || states.len == 0) {
    string_vector_free_all (&states);
    return usage_error ("batch report: give the PLAN or --state DIR");
  }
  for (size_t i = 0; i < states.len && r == 0; ++i)
    if (journal_list (states.ptr[i], &all) == -1)
      r = report_error ();
  if (r == 0) {
    if (fmt)
      print_report (stdout, &all, fmt == 'j');
    else
      batch_print_table (stdout, &all);
  }
  records_free (&all);
  string_vector_free_all (&states);
  return r;
}

/* ---- batch PLAN ---- */

int
cmd_batch (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "state", required_argument, NULL, 's' },
    { "retry-failed", no_argument, NULL, 'r' },
    { "only", required_argument, NULL, 'o' },
    { "shard", required_argument, NULL, 'S' },
    { "assess", no_argument, NULL, 'a' },
    { "machine-readable", no_argument, NULL, 'm' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  struct batch_options o = { 0 };
  plan_guest_list plan = empty_vector, sel = empty_vector;
  job_record_list done = empty_vector;
  string_vector only = empty_vector;
  CLEANUP_FREE char *state = NULL;
  const char *path, *par = "auto";
  unsigned k = 1, n = 1, failed = 0;
  int c, r = 0;

  optind = 0;
  while ((c = getopt_long (argc, argv, "P:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'P': par = optarg; break;
    case 's': o.state = optarg; break;
    case 'r': o.retry_failed = true; break;
    case 'o': string_vector_append (&only, xstrdup (optarg)); break;
    case 'S':
      if (parse_shard (optarg, &k, &n) == -1) {
        string_vector_free_all (&only);
        return usage_error ("batch: --shard takes K/N with 1 <= K <= N, "
                            "not '%s'", optarg);
      }
      break;
    case 'a': o.assess = true; break;
    case 'm': o.machine = true; break;
    case 'h': fputs (batch_usage, stdout); string_vector_free_all (&only);
      return 0;
    default: string_vector_free_all (&only);
      return usage_error ("batch: bad option");
    }
  }
  if (optind != argc - 1) {
    string_vector_free_all (&only);
    return usage_error ("batch: give one PLAN file");
  }
  path = argv[optind];
  if (strcmp (par, "auto") == 0)
    o.parallel = 0;
  else {
    char *end;
    long p = strtol (par, &end, 10);
    if (*end || end == par || p < 1 || p > MAX_PARALLEL) {
      string_vector_free_all (&only);
      return usage_error ("batch: -P takes auto or 1 to %d", MAX_PARALLEL);
    }
    o.parallel = (unsigned) p;
  }
  if (plan_read (path, &plan) == -1) {
    string_vector_free_all (&only);
    plan_free (&plan);
    return report_error ();
  }
  for (size_t i = 0; i < only.len; ++i) {
    bool known = false;
    for (size_t j = 0; j < plan.len; ++j)
      known |= strcmp (plan.ptr[j].name, only.ptr[i]) == 0;
    if (!known) {
      r = usage_error ("batch: --only '%s': no such guest in '%s'",
                       only.ptr[i], path);
      goto out;
    }
  }
  for (size_t i = 0; i < plan.len; ++i) {
    bool want = plan_in_shard (plan.ptr[i].name, k, n);
    if (only.len) {
      bool named = false;
      for (size_t j = 0; j < only.len; ++j)
        named |= strcmp (plan.ptr[i].name, only.ptr[j]) == 0;
      want &= named;
    }
    if (want)
      plan_guest_list_append (&sel, plan.ptr[i]);
  }
  if (!o.state)
    o.state = state = n > 1 ? xasprintf ("%s.shard%u-of-%u.state", path, k, n)
      : xasprintf ("%s.state", path);
  if (o.parallel == 0)
    o.parallel = auto_parallel (!o.machine && !v2k_quiet);
  if (sel.len < o.parallel && sel.len)
    o.parallel = (unsigned) sel.len;
  if (!o.machine && !v2k_quiet)
    fprintf (stderr, "%s: batch: %zu of %zu guests selected%s%s\n",
             v2k_progname, sel.len, plan.len,
             o.assess ? "" : ", state in ", o.assess ? "" : o.state);
  if (o.assess) {
    if ((r = batch_assess (&sel, o.parallel, o.machine)) == -1)
      r = report_error ();
    goto out;
  }
  if (sel.len == 0)
    goto out;
  if (batch_run (&sel, &o, &done) == -1)
    r = report_error ();
  qsort (done.ptr, done.len, sizeof *done.ptr, by_line);
  for (size_t i = 0; i < done.len; ++i)
    failed += done.ptr[i].status != JOB_DONE;
  if (o.machine)
    printf ("{\"type\":\"batch\",\"version\":1,\"guests\":%zu,"
            "\"converted\":%zu,\"failed\":%u,\"exit\":%d}\n", sel.len,
            done.len - failed, failed,
            r ? r : failed ? V2K_EXIT_BATCH_FAILED : 0);
  else if (!v2k_quiet) {
    printf ("\n");
    batch_print_table (stdout, &done);
    printf ("%zu converted, %u failed or interrupted, %zu not run; "
            "report: v2kvm batch report --state %s\n", done.len - failed,
            failed, sel.len - done.len, o.state);
  }
  if (r == 0 && failed)
    r = V2K_EXIT_BATCH_FAILED;
 out:
  records_free (&done);
  plan_guest_list_reset (&sel);
  plan_free (&plan);
  string_vector_free_all (&only);
  return r;
}
