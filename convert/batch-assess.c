/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm batch PLAN --assess` (batch.h): `v2kvm inspect --json`
 * over the plan's guests, a few at once, each a child as in a run; then
 * the verdicts, blockers and totals.  Nothing is written, not even the
 * journal. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batch.h"
#include "cleanup.h"
#include "error.h"
#include "json.h"
#include "progress.h"
#include "xalloc.h"

struct probe {
  const struct plan_guest *pg;
  pid_t pid;
  int fd;
  char *out;
  size_t len, cap;
  int exit;
};

static void
slurp (struct probe *p)
{
  char chunk[4096];
  ssize_t n;

  while ((n = read (p->fd, chunk, sizeof chunk)) > 0) {
    if (p->len + (size_t) n + 1 > p->cap)
      p->out = xreallocarray (p->out,
                                 p->cap = 2 * (p->len + (size_t) n + 1), 1);
    memcpy (p->out + p->len, chunk, (size_t) n);
    p->len += (size_t) n;
    p->out[p->len] = '\0';
  }
}

static int
start_probe (struct probe *p, int errfd, unsigned parallel)
{
  CLEANUP_FREE char *exe = batch_self_exe ();
  CLEANUP_FREE char *smp = NULL;
  CLEANUP_FREE char **argv = batch_child_argv (exe, "inspect", "--json",
                                               parallel, p->pg, &smp);

  p->pid = batch_spawn (argv, errfd, &p->fd);
  return p->pid == -1 ? -1 : 0;
}

/* Run every probe, parallel at once.  -1 when interrupted. */
static int
run_probes (struct probe *p, size_t n, unsigned parallel)
{
  size_t next = 0, running = 0, stopped = 0;
  int errfd = open ("/dev/null", O_WRONLY | O_CLOEXEC);

  while (next < n || running) {
    struct pollfd pfd[64];
    nfds_t np = 0;
    while (!v2k_interrupted && running < parallel && next < n) {
      if (start_probe (&p[next], errfd, parallel) == -1) {
        p[next].exit = V2K_EXIT_FAILURE;
        p[next].pid = 0;
      }
      else
        running++;
      next++;
    }
    if (v2k_interrupted && !stopped) {
      for (size_t i = 0; i < next; ++i)
        if (p[i].pid > 0)
          kill (-p[i].pid, SIGINT);
      stopped = 1;
      next = n;
    }
    if (!running)
      break;
    for (size_t i = 0; i < n && np < 64; ++i)
      if (p[i].pid > 0) {
        pfd[np].fd = p[i].fd;
        pfd[np++].events = POLLIN;
      }
    poll (pfd, np, 200);
    for (size_t i = 0; i < n; ++i) {
      int ws;
      if (p[i].pid <= 0)
        continue;
      slurp (&p[i]);
      if (waitpid (p[i].pid, &ws, WNOHANG) == p[i].pid) {
        slurp (&p[i]);
        close (p[i].fd);
        p[i].exit = WIFEXITED (ws) ? WEXITSTATUS (ws) : 128 + WTERMSIG (ws);
        p[i].pid = 0;
        running--;
      }
    }
  }
  close (errfd);
  return v2k_interrupted ? -1 : 0;
}

/* The codes of every blocker of an inspect --json object, joined with
 * ',' (NULL when none). */
static char *
blocker_codes (const char *out)
{
  const char *p = strstr (out, "\"blockers\":["), *end;
  char *codes = NULL;

  end = p ? strstr (p, "],\"warnings\":") : NULL;
  while (p && end && (p = strstr (p, "\"code\":")) && p < end) {
    CLEANUP_FREE char *c = jget_str (p, "code");
    char *more = xasprintf ("%s%s%s", codes ? codes : "", codes ? "," : "",
                            c ? c : "?");
    free (codes);
    codes = more;
    p += 7;
  }
  return codes;
}

int
batch_assess (const plan_guest_list *plan, unsigned parallel, bool machine)
{
  struct probe *p = xzalloc ((plan->len + 1) * sizeof *p);
  uint64_t bytes = 0;
  double seconds = 0;
  unsigned blocked = 0;
  char h[32];
  int r = 0;

  for (size_t i = 0; i < plan->len; ++i)
    p[i].pg = &plan->ptr[i];
  if (run_probes (p, plan->len, parallel ? parallel : 1) == -1) {
    check_interrupted ();
    r = -1;
  }
  if (!machine)
    printf ("%-24s %-11s %-20s %10s %8s  %s\n", "GUEST", "VERDICT", "CODE",
            "OUTPUT", "SECONDS", "MESSAGE");
  for (size_t i = 0; r == 0 && i < plan->len; ++i) {
    const char *out = p[i].out ? p[i].out : "";
    CLEANUP_FREE char *code = blocker_codes (out);
    CLEANUP_FREE char *msg = jget_str (out, "message");
    uint64_t ob = jsum_u64 (out, "output_bytes");
    const char *est = strstr (out, "\"estimate\":{");
    double s = est ? strtod (strstr (est, "\"seconds\":") + 10, NULL) : 0;
    bool ok = p[i].exit == 0 && strstr (out, "\"verdict\":\"convertible\"");

    if (!out[0] && !msg)
      msg = xasprintf ("inspect gave no result (exit %d)", p[i].exit);
    blocked += !ok;
    bytes += ok ? ob : 0;
    seconds += ok ? s : 0;
    if (machine) {
      size_t len = strlen (out);
      printf ("{\"type\":\"assess\",\"guest\":");
      json_string (stdout, p[i].pg->name);
      printf (",\"line\":%u,\"exit\":%d,\"inspect\":%.*s}\n", p[i].pg->line,
              p[i].exit, (int) (len && out[len - 1] == '\n' ? len - 1 : len),
              len ? out : "null");
    }
    else
      printf ("%-24s %-11s %-20s %10s %8.0f  %s\n", p[i].pg->name,
              ok ? "converts" : "blocked", ok ? "" : code ? code
              : exit_class_name (p[i].exit),
              ok ? progress_human ((double) ob, h, sizeof h) : "-", s,
              ok ? "" : msg ? msg : "");
  }
  if (r == 0) {
    if (machine)
      printf ("{\"type\":\"assess_total\",\"guests\":%zu,\"convertible\":%zu,"
              "\"blocked\":%u,\"output_bytes\":%" PRIu64 ",\"seconds\":%.0f,"
              "\"parallel\":%u}\n", plan->len, plan->len - blocked, blocked,
              bytes, seconds, parallel);
    else
      printf ("%zu guests: %zu would convert, %u blocked; %s to write, "
              "about %.0f min at %u at once\n", plan->len,
              plan->len - blocked, blocked,
              progress_human ((double) bytes, h, sizeof h),
              seconds / 60.0 / (parallel ? parallel : 1), parallel);
    r = blocked ? V2K_EXIT_BATCH_FAILED : 0;
  }
  for (size_t i = 0; i < plan->len; ++i)
    free (p[i].out);
  free (p);
  return r;
}
