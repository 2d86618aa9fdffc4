/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm inspect CONVERT-ARGS... [--json]`: what a conversion
 * with these arguments would do and whether it would succeed, without
 * writing anything (convert.h convert_inspect: the conversion's own
 * steps and checks, on throwaway overlays, copying into nothing).  The
 * words are convert's, parsed by convert's parser, so every input
 * convert accepts is accepted here; the JSON is docs/inspect.md. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "commands.h"
#include "convert.h"
#include "error.h"
#include "guest.h"
#include "json.h"
#include "progress.h"
#include "xalloc.h"

/* The write rate the time estimate assumes for the output (the copy
 * itself is measured: the inspection reads everything a conversion
 * reads).  docs/inspect.md. */
#define WRITE_RATE (256.0 * 1024 * 1024)

static const char inspect_usage[] =
"usage: v2kvm inspect -i TYPE SOURCE... [CONVERT OPTIONS] [--json]\n"
"\n"
"Assess a guest without converting it: the source, each disk's virtual,\n"
"allocated and used bytes, the operating system, the network identity,\n"
"the changes the conversion would make, what blocks it (the same checks\n"
"as 'v2kvm convert', with stable codes) and the estimated output size\n"
"and time.  Nothing is written; the source is opened read-only under\n"
"throwaway overlays.  Takes the same words as 'v2kvm convert'.\n"
"Exit 0 when the guest would convert, else the code convert would exit\n"
"with.  --json: docs/inspect.md.\n";

static uint64_t
total_used (const struct inspection *ins, bool prealloc)
{
  uint64_t t = 0;

  for (size_t i = 0; i < ins->n; ++i)
    t += prealloc ? ins->disks[i].virtual_size : ins->disks[i].used;
  return t;
}

static double
estimate_seconds (const struct inspection *ins)
{
  return ins->seconds + (double) total_used (ins, false) / WRITE_RATE;
}

static const char *
yes (bool b)
{
  return b ? "true" : "false";
}

static void
jkey (const char *k, const char *v)
{
  printf ("\"%s\":", k);
  json_string (stdout, v);
}

static void
json_strings (const string_vector *v, size_t step)
{
  putchar ('[');
  for (size_t i = 0; i < v->len; i += step) {
    printf ("%s", i ? "," : "");
    json_string (stdout, v->ptr[i]);
  }
  putchar (']');
}

/* [{code, exit, message}...] (blockers) or [{code, message}...]. */
static void
json_notes (const inspect_note_list *l, bool exits)
{
  putchar ('[');
  for (size_t i = 0; i < l->len; ++i) {
    printf ("%s{", i ? "," : "");
    jkey ("code", l->ptr[i].code);
    if (exits)
      printf (",\"exit\":%d", l->ptr[i].exit);
    putchar (',');
    jkey ("message", l->ptr[i].message);
    putchar ('}');
  }
  putchar (']');
}

static void
json_os (const struct inspection *ins)
{
  const struct fixup_result *fx = &ins->fx;
  const struct inspect *in = &fx->inspect;
  const struct guest_facts *f = &fx->facts;

  if (!in->root) {
    printf ("null");
    return;
  }
  putchar ('{');
  jkey ("type", in->type); putchar (',');
  jkey ("distro", in->distro); putchar (',');
  jkey ("product", in->product_name); putchar (',');
  jkey ("arch", in->arch);
  printf (",\"major\":%d,\"minor\":%d,", in->major, in->minor);
  jkey ("root", in->root); putchar (',');
  jkey ("init", f->init); putchar (',');
  jkey ("bootloader", f->bootloader); putchar (',');
  jkey ("initramfs_tool", f->initramfs_tool); putchar (',');
  printf ("\"kernels\":");
  json_strings (&f->kernels, 1);
  printf (",");
  jkey ("kernel", fx->kernel); putchar (',');
  jkey ("firmware", ins->fixed ?
        (fx->caps.firmware == CAPS_FW_UEFI ? "uefi" : "bios") : NULL);
  printf (",\"filesystems\":[");
  for (size_t i = 0; i + 1 < f->filesystems.len; i += 2) {
    printf ("%s{", i ? "," : "");
    jkey ("device", f->filesystems.ptr[i]); putchar (',');
    jkey ("type", f->filesystems.ptr[i + 1]);
    putchar ('}');
  }
  printf ("],\"mountpoints\":[");
  for (size_t i = 0; i + 1 < in->mountpoints.len; i += 2) {
    printf ("%s{", i ? "," : "");
    jkey ("mountpoint", in->mountpoints.ptr[i]); putchar (',');
    jkey ("device", in->mountpoints.ptr[i + 1]);
    putchar ('}');
  }
  printf ("],\"lvm\":%s,\"luks\":%s,\"bitlocker\":%s}", yes (f->lvm),
          yes (f->luks), yes (f->bitlocker));
}

/* "K=V" strings as [{"k1":K,"k2":V},...]. */
static void
json_pairs (const string_vector *v, const char *k1, const char *k2)
{
  putchar ('[');
  for (size_t i = 0; i < v->len; ++i) {
    const char *eq = strchr (v->ptr[i], '=');
    size_t klen = eq ? (size_t) (eq - v->ptr[i]) : strlen (v->ptr[i]);
    CLEANUP_FREE char *left = xstrndup (v->ptr[i], klen);
    printf ("%s{", i ? "," : "");
    jkey (k1, left); putchar (',');
    jkey (k2, eq ? eq + 1 : NULL);
    putchar ('}');
  }
  putchar (']');
}

static void
json_network (const struct inspection *ins)
{
  const struct guest *g = ins->g;
  const struct guest_facts *f = &ins->fx.facts;

  printf ("{\"nics\":[");
  for (size_t i = 0; g && i < g->nics.len; ++i) {
    printf ("%s{", i ? "," : "");
    jkey ("mac", g->nics.ptr[i].mac); putchar (',');
    jkey ("network", g->nics.ptr[i].network);
    putchar ('}');
  }
  printf ("],\"interfaces\":");
  json_pairs (&ins->fx.guest_macs, "name", "mac");
  printf (",\"static_addresses\":");
  json_pairs (&f->addresses, "interface", "address");
  printf ("}");
}

static void
print_json (const struct convert_options *o, const struct inspection *ins)
{
  printf ("{\"version\":2,");
  jkey ("name", ins->g ? ins->g->name : o->name); putchar (',');
  jkey ("input_type", o->input_type); putchar (',');
  jkey ("source", o->sources[0]); putchar (',');
  jkey ("verdict", ins->exit ? "blocked" : "convertible");
  printf (",\"exit\":%d,", ins->exit);
  jkey ("exit_class", exit_class_name (ins->exit));
  printf (",\"blockers\":");
  json_notes (&ins->blockers, true);
  printf (",\"warnings\":");
  json_notes (&ins->warnings, false);
  printf (",\"guest\":");
  if (ins->g) {
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream (&buf, &len);
    guest_print_json (ins->g, fp);
    fclose (fp);
    while (len && buf[len - 1] == '\n')
      buf[--len] = '\0';
    fputs (buf, stdout);
    free (buf);
  }
  else
    printf ("null");
  printf (",\"disks\":[");
  for (size_t i = 0; i < ins->n; ++i) {
    const struct inspect_disk *d = &ins->disks[i];
    printf ("%s{", i ? "," : "");
    jkey ("source", d->source); putchar (',');
    jkey ("format", d->format);
    printf (",\"virtual_size\":%" PRIu64 ",\"allocated\":", d->virtual_size);
    if (d->allocated >= 0)
      printf ("%" PRId64, d->allocated);
    else
      printf ("null");
    printf (",\"used\":");
    if (d->measured)
      printf ("%" PRIu64 "}", d->used);
    else
      printf ("null}");
  }
  printf ("],\"os\":");
  json_os (ins);
  printf (",\"network\":");
  json_network (ins);
  printf (",\"changes\":[");
  for (size_t i = 0; i < ins->fx.changes.len; ++i) {
    printf ("%s{", i ? "," : "");
    jkey ("file", ins->fx.changes.ptr[i].file); putchar (',');
    jkey ("change", ins->fx.changes.ptr[i].what);
    putchar ('}');
  }
  printf ("],\"estimate\":");
  if (ins->exit == 0)
    printf ("{\"output_bytes\":%" PRIu64 ",\"seconds\":%.0f}",
            total_used (ins, o->output.preallocated), estimate_seconds (ins));
  else
    printf ("null");
  printf (",\"seconds\":%.3f}\n", ins->seconds);
}

static void
print_text (const struct convert_options *o, const struct inspection *ins)
{
  const struct fixup_result *fx = &ins->fx;
  const struct guest_facts *f = &fx->facts;
  char a[32], b[32], c[32];

  printf ("guest: %s (-i %s %s)\n", ins->g ? ins->g->name : "?",
          o->input_type, o->sources[0]);
  if (ins->exit)
    printf ("verdict: blocked (exit %d, %s)\n", ins->exit,
            exit_class_name (ins->exit));
  else
    printf ("verdict: convertible\n");
  for (size_t i = 0; i < ins->blockers.len; ++i)
    printf ("blocker: %s (exit %d): %s\n", ins->blockers.ptr[i].code,
            ins->blockers.ptr[i].exit, ins->blockers.ptr[i].message);
  for (size_t i = 0; i < ins->n; ++i) {
    const struct inspect_disk *d = &ins->disks[i];
    printf ("disk %zu: %s: %s, %s virtual, %s allocated, %s used\n", i + 1,
            d->source, d->format ? d->format : "?",
            progress_human (d->virtual_size, a, sizeof a),
            d->allocated >= 0 ? progress_human ((uint64_t) d->allocated, b,
                                                sizeof b) : "?",
            d->measured ? progress_human (d->used, c, sizeof c) : "?");
  }
  if (fx->inspect.root) {
    printf ("os: %s %s %s (%s), root %s\n", fx->inspect.type,
            fx->inspect.distro, fx->inspect.product_name, fx->inspect.arch,
            fx->inspect.root);
    printf ("  init %s, bootloader %s, initramfs tool %s, kernel %s\n",
            f->init ? f->init : "?", f->bootloader ? f->bootloader : "?",
            f->initramfs_tool ? f->initramfs_tool : "none",
            fx->kernel ? fx->kernel : "?");
    for (size_t i = 0; i < f->kernels.len; ++i)
      printf ("  kernel installed: %s\n", f->kernels.ptr[i]);
    for (size_t i = 0; i + 1 < f->filesystems.len; i += 2)
      printf ("  filesystem %s: %s\n", f->filesystems.ptr[i],
              f->filesystems.ptr[i + 1]);
    printf ("  lvm %s, luks %s, bitlocker %s\n", f->lvm ? "yes" : "no",
            f->luks ? "yes" : "no", f->bitlocker ? "yes" : "no");
  }
  for (size_t i = 0; ins->g && i < ins->g->nics.len; ++i)
    printf ("nic %zu: mac %s, network %s\n", i + 1,
            ins->g->nics.ptr[i].mac ? ins->g->nics.ptr[i].mac : "none",
            ins->g->nics.ptr[i].network ? ins->g->nics.ptr[i].network : "-");
  for (size_t i = 0; i < fx->guest_macs.len; ++i)
    printf ("interface: %s\n", fx->guest_macs.ptr[i]);
  for (size_t i = 0; i < f->addresses.len; ++i)
    printf ("static address: %s\n", f->addresses.ptr[i]);
  for (size_t i = 0; i < fx->changes.len; ++i)
    printf ("change: %s: %s\n", fx->changes.ptr[i].file,
            fx->changes.ptr[i].what);
  for (size_t i = 0; i < ins->warnings.len; ++i)
    printf ("warning: %s: %s\n", ins->warnings.ptr[i].code,
            ins->warnings.ptr[i].message);
  if (ins->exit == 0)
    printf ("estimate: %s output, about %.0f s\n",
            progress_human (total_used (ins, o->output.preallocated), a,
                            sizeof a), estimate_seconds (ins));
}

int
cmd_inspect (int argc, char **argv)
{
  CLEANUP_FREE char **words = xzalloc (((size_t) argc + 1) * sizeof *words);
  struct convert_options o;
  struct inspection ins = { 0 };
  bool json = false, quiet = v2k_quiet;
  int n = 0, r;

  for (int i = 0; i < argc; ++i) {
    if (i > 0 && strcmp (argv[i], "--json") == 0)
      json = true;
    else
      words[n++] = argv[i];
  }
  if (convert_parse (n, words, &o) == -1) {
    convert_options_free (&o);
    return usage_error ("%s", get_error ());
  }
  if (o.help) {
    fputs (inspect_usage, stdout);
    convert_options_free (&o);
    return 0;
  }
  v2k_verbose |= o.verbose;
  v2k_quiet = json || quiet || o.quiet;   /* stdout is the JSON's */
  r = convert_inspect (&o, &ins);
  v2k_quiet = quiet;
  if (r == -1)
    r = report_error ();
  else {
    if (json)
      print_json (&o, &ins);
    else
      print_text (&o, &ins);
    r = ins.exit;
  }
  inspection_free (&ins);
  convert_options_free (&o);
  return r;
}
