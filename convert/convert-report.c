/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: convert's phase lines, progress and summary (convert-report.h).
 * The JSON lines follow docs/machine-readable.md ("v2kvm convert"):
 * each line is one complete object, flushed at once. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "convert-report.h"
#include "error.h"
#include "json.h"
#include "progress.h"
#include "xalloc.h"

#define MR_INTERVAL 0.5         /* seconds between JSON progress lines */
#define BAR_INTERVAL 0.1
#define BAR_WIDTH 30

static const char *const phase_names[NR_PHASES] = {
  "source", "preflight", "serve", "fixup", "copy", "metadata",
};

struct report {
  bool machine;
  bool people;                  /* phase lines on stderr (not -q) */
  bool bar;                     /* progress bar on a terminal */
  bool drawn;
  double t0;
  int phase;                    /* current, -1 before the first */
  double phase_t0;
  double seconds[NR_PHASES];
  unsigned disk, ndisks;
  double disk_t0, last;
  uint64_t (*fetched) (void *);  /* network source (report_set_network) */
  void *fetched_opaque;
  uint64_t fetched0;            /* at disk_t0 */
};

void
report_set_network (struct report *r, uint64_t (*fetched) (void *),
                    void *opaque)
{
  r->fetched = fetched;
  r->fetched_opaque = opaque;
}

static uint64_t
fetched (struct report *r)
{
  return r->fetched ? r->fetched (r->fetched_opaque) : 0;
}

struct report *
report_new (bool machine, const char *input_type, const char *source,
            const char *output_type)
{
  struct report *r = xzalloc (sizeof *r);

  r->machine = machine;
  r->people = !machine && !v2k_quiet;
  r->bar = r->people && isatty (STDERR_FILENO);
  r->t0 = copy_now ();
  r->phase = -1;
  if (machine) {
    warning_hook = json_warning_line;
    printf ("{\"type\":\"start\",\"version\":1,\"command\":\"convert\","
            "\"input_type\":");
    json_string (stdout, input_type);
    printf (",\"source\":");
    json_string (stdout, source);
    printf (",\"output_type\":");
    json_string (stdout, output_type);
    printf ("}\n");
    fflush (stdout);
  }
  return r;
}

static void
clear_bar (struct report *r)
{
  if (r->drawn) {
    fputc ('\n', stderr);
    r->drawn = false;
  }
}

static void
end_phase (struct report *r)
{
  double t = copy_now ();

  if (r->phase < 0)
    return;
  r->seconds[r->phase] += t - r->phase_t0;
  if (r->machine) {
    printf ("{\"type\":\"phase\",\"phase\":\"%s\",\"event\":\"end\","
            "\"seconds\":%.3f}\n", phase_names[r->phase], t - r->phase_t0);
    fflush (stdout);
  }
}

void
report_phase (struct report *r, enum phase p, const char *what)
{
  if ((int) p != r->phase) {
    end_phase (r);
    r->phase = p;
    r->phase_t0 = copy_now ();
    if (r->machine) {
      printf ("{\"type\":\"phase\",\"phase\":\"%s\",\"event\":\"start\","
              "\"message\":", phase_names[p]);
      json_string (stdout, what);
      printf ("}\n");
      fflush (stdout);
    }
  }
  else if (r->machine) {
    printf ("{\"type\":\"step\",\"phase\":\"%s\",\"message\":",
            phase_names[p]);
    json_string (stdout, what);
    printf ("}\n");
    fflush (stdout);
  }
  if (r->people) {
    clear_bar (r);
    printf ("[%6.1f] %s\n", copy_now () - r->t0, what);
    fflush (stdout);
  }
}

void
report_seconds (const struct report *r, double *out)
{
  for (int p = 0; p < NR_PHASES; ++p)
    out[p] = r->seconds[p];
  if (r->phase >= 0)
    out[r->phase] += copy_now () - r->phase_t0;
}

void
report_targets (struct report *r, char *const *paths, size_t n)
{
  bool first = true;

  if (!r->machine)
    return;
  printf ("{\"type\":\"targets\",\"paths\":[");
  for (size_t i = 0; i < n; ++i) {
    if (!paths[i])
      continue;
    printf ("%s", first ? "" : ",");
    json_string (stdout, paths[i]);
    first = false;
  }
  printf ("]}\n");
  fflush (stdout);
}

void
report_disk_start (struct report *r, unsigned index, unsigned n)
{
  r->disk = index;
  r->ndisks = n;
  r->disk_t0 = copy_now ();
  r->fetched0 = fetched (r);
  r->last = -1e9;
}

void
report_progress (void *opaque, uint64_t done, uint64_t total)
{
  struct report *r = opaque;
  double t = copy_now ();
  double rate = t > r->disk_t0 ? done / (t - r->disk_t0) : 0;
  bool edge = done == 0 || done == total;
  char a[32], b[32], c[32], n[48] = "";
  uint64_t net = fetched (r);
  double net_rate = t > r->disk_t0 ? (net - r->fetched0) / (t - r->disk_t0)
    : 0;

  if (r->machine && (edge || t - r->last >= MR_INTERVAL)) {
    printf ("{\"type\":\"progress\",\"disk\":%u,\"done\":%" PRIu64
            ",\"total\":%" PRIu64 ",\"rate\":%.0f", r->disk, done, total,
            rate);
    if (r->fetched)
      printf (",\"fetched_bytes\":%" PRIu64 ",\"fetch_rate\":%.0f", net,
              net_rate);
    printf ("}\n");
    fflush (stdout);
    r->last = t;
  }
  else if (r->bar && (edge || t - r->last >= BAR_INTERVAL)) {
    int pct = total ? (int) (done * 100 / total) : 100;
    int fill = pct * BAR_WIDTH / 100;
    if (r->fetched) {
      char x[32];
      snprintf (n, sizeof n, " net %s/s", progress_human (net_rate, x,
                                                          sizeof x));
    }
    fprintf (stderr, "\r  disk %u/%u [%.*s%*s] %3d%% %s / %s  %s/s%s ",
             r->disk + 1, r->ndisks, fill, "##############################",
             BAR_WIDTH - fill, "", pct, progress_human (done, a, sizeof a),
             progress_human (total, b, sizeof b), progress_human (rate, c, sizeof c),
             n);
    r->drawn = true;
    r->last = t;
  }
}

static void
json_kv (const char *key, const char *value)
{
  json_string (stdout, key);
  putchar (':');
  json_string (stdout, value);
}

static void
machine_end (struct report *r, int code, const struct fixup_result *fx,
             const char *name, const struct report_disk *d, unsigned n,
             const char *metadata)
{
  if (code) {
    printf ("{\"type\":\"error\",\"message\":");
    json_string (stdout, get_error ());
    printf (",\"exit\":%d}\n", code);
  }
  for (size_t i = 0; fx && i < fx->changes.len; ++i) {
    printf ("{\"type\":\"change\",");
    json_kv ("file", fx->changes.ptr[i].file);
    putchar (',');
    json_kv ("change", fx->changes.ptr[i].what);
    printf ("}\n");
  }
  printf ("{\"type\":\"result\",\"version\":1,\"ok\":%s,\"exit\":%d,"
          "\"seconds\":%.3f,", code ? "false" : "true", code,
          copy_now () - r->t0);
  json_kv ("name", name);
  printf (",\"phases\":{");
  for (int p = 0; p < NR_PHASES; ++p)
    printf ("%s\"%s\":%.3f", p ? "," : "", phase_names[p], r->seconds[p]);
  printf ("}");
  if (fx && fx->inspect.root) {
    printf (",\"guest\":{");
    json_kv ("root", fx->inspect.root);
    putchar (',');
    json_kv ("distro", fx->inspect.distro);
    putchar (',');
    json_kv ("product", fx->inspect.product_name);
    putchar (',');
    json_kv ("kernel", fx->kernel);
    printf (",\"accel\":\"%s\",\"smp\":%u}", fx->used_tcg ? "tcg" : "kvm",
            fx->smp);
  }
  printf (",\"disks\":[");
  for (unsigned i = 0; d && i < n; ++i) {
    printf ("%s{", i ? "," : "");
    json_kv ("source", d[i].source);
    putchar (',');
    json_kv ("target", d[i].target);
    printf (",\"virtual_size\":%" PRIu64 ",\"bytes_read\":%" PRIu64
            ",\"bytes_written\":%" PRIu64 ",\"bytes_zero\":%" PRIu64
            ",\"bytes_skipped\":%" PRIu64 ",\"output_bytes\":%" PRIu64
            ",\"seconds\":%.3f}", d[i].size, d[i].st.read, d[i].st.written,
            d[i].st.zero, d[i].st.skipped, d[i].output_bytes,
            d[i].st.seconds);
  }
  printf ("],");
  if (r->fetched)
    printf ("\"fetched_bytes\":%" PRIu64 ",", fetched (r));
  json_kv ("metadata", metadata);
  printf ("}\n");
  fflush (stdout);
  warning_hook = NULL;
}

static void
people_end (struct report *r, const struct fixup_result *fx,
            const char *name, const struct report_disk *d, unsigned n,
            const char *metadata)
{
  char a[32], b[32], c[32], e[32], f[32];

  if (!fx && !d)                /* --print-source */
    return;
  for (size_t i = 0; fx && i < fx->changes.len; ++i)
    printf ("fixup: %s: %s\n", fx->changes.ptr[i].file,
            fx->changes.ptr[i].what);
  if (fx && fx->inspect.root)
    printf ("guest: %s (%s, root %s, kernel %s)\n", fx->inspect.product_name,
            fx->inspect.distro, fx->inspect.root,
            fx->kernel ? fx->kernel : "-");
  for (unsigned i = 0; d && i < n; ++i)
    printf ("disk %u: %s -> %s: %s virtual, %s read, %s skipped, %s "
            "written (%s on disk)\n", i + 1, d[i].source,
            d[i].target ? d[i].target : "(null output)",
            progress_human (d[i].size, a, sizeof a), progress_human (d[i].st.read, b, sizeof b),
            progress_human (d[i].st.skipped, c, sizeof c),
            progress_human (d[i].st.written, e, sizeof e),
            progress_human (d[i].output_bytes, f, sizeof f));
  if (r->fetched)
    printf ("network: %s fetched from the server\n",
            progress_human (fetched (r), a, sizeof a));
  if (metadata)
    printf ("guest '%s': %s\n", name, metadata);
  printf ("time:");
  for (int p = 0; p < NR_PHASES; ++p)
    printf (" %s %.1f s%s", phase_names[p], r->seconds[p],
            p + 1 < NR_PHASES ? "," : "");
  printf ("; total %.1f s\n", copy_now () - r->t0);
}

void
report_end (struct report *r, int exit_code, const struct fixup_result *fx,
            const char *guest_name, const struct report_disk *disks,
            unsigned ndisks, const char *metadata)
{
  if (!r)
    return;
  clear_bar (r);
  end_phase (r);
  r->phase = -1;
  if (r->machine)
    machine_end (r, exit_code, fx, guest_name, disks, ndisks, metadata);
  else if (exit_code == 0 && !v2k_quiet)
    people_end (r, fx, guest_name, disks, ndisks, metadata);
  free (r);
}
