/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: progress bar and --machine-readable JSON lines (progress.h).
 * The JSON schema is documented in docs/machine-readable.md; each line
 * is one complete object, flushed at once, so a reader can parse line by
 * line while the copy runs. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"
#include "json.h"
#include "progress.h"
#include "xalloc.h"

#define BAR_INTERVAL 0.1        /* seconds between terminal redraws */
#define MR_INTERVAL 0.5         /* seconds between JSON progress lines */
#define BAR_WIDTH 30

struct progress {
  bool machine;
  bool bar;                     /* drawing on a terminal */
  bool drawn;
  double t0;                    /* start time */
  double last;                  /* time of the last line */
};

struct progress *
progress_new (bool machine)
{
  struct progress *p = xzalloc (sizeof *p);

  p->machine = machine;
  p->bar = !machine && !v2k_quiet && isatty (STDERR_FILENO);
  p->t0 = copy_now ();
  p->last = -1e9;
  if (machine)
    warning_hook = json_warning_line;
  return p;
}

void
progress_start (struct progress *p, const char *command, const char *input,
                const char *output, const char *format)
{
  if (!p->machine)
    return;
  printf ("{\"type\":\"start\",\"version\":%d,\"command\":", MR_VERSION);
  json_string (stdout, command);
  printf (",\"input\":");
  json_string (stdout, input);
  printf (",\"output\":");
  json_string (stdout, output);
  printf (",\"format\":");
  json_string (stdout, format);
  printf ("}\n");
  fflush (stdout);
}

const char *
progress_human (double v, char *buf, size_t len)
{
  static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
  size_t u = 0;

  while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
    v /= 1024;
    u++;
  }
  snprintf (buf, len, "%.1f %s", v, units[u]);
  return buf;
}

static void
draw_bar (struct progress *p, uint64_t done, uint64_t total, double rate)
{
  char a[32], b[32], r[32];
  int pct = total ? (int) (done * 100 / total) : 100;
  int fill = pct * BAR_WIDTH / 100;

  fprintf (stderr, "\r[%.*s%*s] %3d%% %s / %s  %s/s ", fill,
           "##############################", BAR_WIDTH - fill, "", pct,
           progress_human ((double) done, a, sizeof a),
           progress_human ((double) total, b, sizeof b), progress_human (rate, r, sizeof r));
  p->drawn = true;
}

void
progress_update (void *opaque, uint64_t done, uint64_t total)
{
  struct progress *p = opaque;
  double t = copy_now ();
  double elapsed = t - p->t0;
  double rate = elapsed > 0 ? (double) done / elapsed : 0;
  bool edge = done == 0 || done == total;

  if (p->machine && (edge || t - p->last >= MR_INTERVAL)) {
    printf ("{\"type\":\"progress\",\"done\":%" PRIu64 ",\"total\":%" PRIu64
            ",\"rate\":%.0f}\n", done, total, rate);
    fflush (stdout);
    p->last = t;
  }
  else if (p->bar && (edge || t - p->last >= BAR_INTERVAL)) {
    draw_bar (p, done, total, rate);
    p->last = t;
  }
}

void
progress_end (struct progress *p, int exit_code,
              const struct copy_stats *s, uint64_t output_bytes)
{
  if (!p)
    return;
  if (p->drawn)
    fputc ('\n', stderr);
  if (p->machine) {
    if (exit_code != 0) {
      printf ("{\"type\":\"error\",\"message\":");
      json_string (stdout, get_error ());
      printf (",\"exit\":%d}\n", exit_code);
    }
    printf ("{\"type\":\"result\",\"version\":%d,\"ok\":%s,\"exit\":%d",
            MR_VERSION, exit_code == 0 ? "true" : "false", exit_code);
    if (s)
      printf (",\"virtual_size\":%" PRIu64 ",\"bytes_read\":%" PRIu64
              ",\"bytes_written\":%" PRIu64 ",\"bytes_zero\":%" PRIu64
              ",\"bytes_skipped\":%" PRIu64 ",\"output_bytes\":%" PRIu64,
              s->size, s->read, s->written, s->zero, s->skipped,
              output_bytes);
    printf (",\"seconds\":%.3f}\n", copy_now () - p->t0);
    fflush (stdout);
    warning_hook = NULL;
  }
  free (p);
}
