/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm tests: drive an output (output/output.h) the way `v2kvm convert`
 * does, without the rest of the pipeline:
 *
 *   outtool [OPTIONS] TYPE NAME DISK...
 *     -s, --storage S     -os: directory, or libvirt pool
 *     -c, --uri URI       -oc: libvirt URI
 *     -O, --format F      -of: qcow2 (default) or raw
 *     --replace           replace an existing domain / volumes / files
 *     --xml FILE          domain XML template: @DISK1@.. become the
 *                         targets' domain paths, @FORMAT1@.. their formats
 *     --source RDR:CFG    or build the domain XML from a source config
 *                         (cfg reader RDR: vmx, xl, ovf, libvirt-xml...)
 *                         with domxml_build, as convert will
 *     --domain-type T     with --source: kvm or qemu
 *     --script FILE       qemu script template (same substitutions);
 *                         with --source and no --script, the script is
 *                         built by qemu_script() as convert does
 *     --estimate BYTES    bytes prepare() must find room for (default:
 *                         the inputs' allocated bytes)
 *     --fail-after N      after copying N disks, fail: call abort()
 *     --print-targets     after prepare, print one line per target:
 *                         NAME PATH DOMAIN_PATH FORMAT SIZE
 *
 * Steps: open each DISK with blk_open (sizes), output_new, prepare,
 * copy DISK i into targets[i].path with the copy engine and a writer
 * (nothing for -o null), finalize with the XML/script; abort on any
 * failure.  Exit 0, or the v2kvm exit code with "v2kvm: <error>" (so
 * tests can use expect_exit). */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "blk.h"
#include "cfg.h"
#include "cleanup.h"
#include "copy.h"
#include "domxml.h"
#include "error.h"
#include "guestcaps.h"
#include "output.h"
#include "qemu-script.h"
#include "writer.h"
#include "xalloc.h"

struct args {
  struct output_opts o;
  const char *xml_template, *source, *script_template, *domain_type;
  uint64_t estimate;
  bool have_estimate, print_targets;
  long fail_after;
  const char *name;
  char **disks;
  size_t n;
};

static void
usage (void)
{
  fprintf (stderr, "usage: outtool [-s STORAGE] [-c URI] [-O FMT] [--replace] "
           "[--xml FILE|--source RDR:CFG] [--script FILE] [--estimate BYTES] "
           "[--fail-after N] [--print-targets] TYPE NAME DISK...\n");
  exit (2);
}

static void
parse (int argc, char **argv, struct args *a)
{
  enum { O_REPLACE = 256, O_XML, O_SOURCE, O_DTYPE, O_SCRIPT, O_EST,
         O_FAIL, O_PRINT };
  static const struct option longopts[] = {
    { "storage", required_argument, NULL, 's' },
    { "uri", required_argument, NULL, 'c' },
    { "format", required_argument, NULL, 'O' },
    { "replace", no_argument, NULL, O_REPLACE },
    { "xml", required_argument, NULL, O_XML },
    { "source", required_argument, NULL, O_SOURCE },
    { "domain-type", required_argument, NULL, O_DTYPE },
    { "script", required_argument, NULL, O_SCRIPT },
    { "estimate", required_argument, NULL, O_EST },
    { "fail-after", required_argument, NULL, O_FAIL },
    { "print-targets", no_argument, NULL, O_PRINT },
    { NULL, 0, NULL, 0 }
  };
  int c;

  a->fail_after = -1;
  while ((c = getopt_long (argc, argv, "s:c:O:", longopts, NULL)) != -1) {
    switch (c) {
    case 's': a->o.storage = optarg; break;
    case 'c': a->o.uri = optarg; break;
    case 'O': a->o.format = optarg; break;
    case O_REPLACE: a->o.replace = true; break;
    case O_XML: a->xml_template = optarg; break;
    case O_SOURCE: a->source = optarg; break;
    case O_DTYPE: a->domain_type = optarg; break;
    case O_SCRIPT: a->script_template = optarg; break;
    case O_EST:
      a->estimate = strtoull (optarg, NULL, 10);
      a->have_estimate = true;
      break;
    case O_FAIL: a->fail_after = strtol (optarg, NULL, 10); break;
    case O_PRINT: a->print_targets = true; break;
    default: usage ();
    }
  }
  if (argc - optind < 3)
    usage ();
  a->o.type = argv[optind];
  a->name = argv[optind + 1];
  a->disks = &argv[optind + 2];
  a->n = (size_t) (argc - optind - 2);
}

/* Read a whole file; NULL + set_error. */
static char *
slurp (const char *path)
{
  FILE *fp = fopen (path, "r");
  char *buf = NULL;
  size_t len = 0;

  if (!fp) {
    set_error_errno ("cannot open '%s'", path);
    return NULL;
  }
  FILE *mem = open_memstream (&buf, &len);
  int ch;
  while ((ch = getc (fp)) != EOF)
    putc (ch, mem);
  fclose (fp);
  fclose (mem);
  return buf;
}

/* text with @DISKi@ / @FORMATi@ (1-based) replaced. */
static char *
substitute (const char *text, size_t n, const struct output_target *t)
{
  char *out = NULL;
  size_t len = 0;
  FILE *mem = open_memstream (&out, &len);

  for (const char *p = text; *p; ) {
    unsigned long i;
    int used = 0;
    char word[8];

    if (*p == '@' &&
        (sscanf (p, "@%6[A-Z]%lu@%n", word, &i, &used) == 2) && used > 0 &&
        i >= 1 && i <= n &&
        (strcmp (word, "DISK") == 0 || strcmp (word, "FORMAT") == 0)) {
      const struct output_target *ti = &t[i - 1];
      fputs (strcmp (word, "DISK") == 0
             ? (ti->domain_path ? ti->domain_path : "") : ti->format, mem);
      p += used;
    }
    else
      putc (*p++, mem);
  }
  fclose (mem);
  return out;
}

/* The domain XML (and, for -o qemu, *script) for the targets, from
 * --source or --xml (or a stub). */
static char *
make_xml (const struct args *a, const struct output_target *t, char **script)
{
  if (a->source) {
    CLEANUP_FREE char *rdr = xstrdup (a->source);
    char *cfg = strchr (rdr, ':');
    struct domxml_options o = { .domain_type = a->domain_type };
    struct guestcaps caps;
    struct guest *g;
    char *xml;

    if (!cfg)
      usage ();
    *cfg++ = '\0';
    if (cfg_read (rdr, cfg, &g) == -1)
      return NULL;
    struct domxml_target *dt = xzalloc ((a->n + 1) * sizeof *dt);
    for (size_t i = 0; i < a->n; ++i) {
      dt[i].path = t[i].domain_path;
      dt[i].format = t[i].format;
    }
    guestcaps_init (&caps, g);
    xml = domxml_build (g, &caps, dt, a->n, &o);
    if (xml && !*script && strcmp (a->o.type, "qemu") == 0)
      *script = qemu_script (a->name, g, &caps, dt, a->n);
    free (dt);
    guest_free (g);
    return xml;
  }
  if (a->xml_template) {
    CLEANUP_FREE char *text = slurp (a->xml_template);
    return text ? substitute (text, a->n, t) : NULL;
  }
  return xstrdup ("");
}

/* Copy disk b into target t (a writer on t->path). */
static int
copy_one (struct blk *b, const struct output_target *t, bool replace)
{
  struct writer_options wo = { .force = replace };
  struct copy_options co = { .threads = 2 };
  struct writer *w = writer_create (t->format, t->path, b->size, &wo);

  if (!w)
    return -1;
  if (copy_disk (b, w, &co, NULL) == -1 || writer_finish (w) == -1) {
    writer_abort (w);
    return -1;
  }
  writer_close (w);
  return 0;
}

static uint64_t
allocated (const char *path)
{
  struct stat st;

  return stat (path, &st) == 0 ? (uint64_t) st.st_blocks * 512 : 0;
}

static int
run (const struct args *a, struct output *o, struct blk **b,
     struct output_target *t)
{
  uint64_t est = a->estimate;
  CLEANUP_FREE char *xml = NULL, *script = NULL, *tmpl = NULL;

  for (size_t i = 0; i < a->n; ++i) {
    t[i].size = b[i]->size;
    if (!a->have_estimate)
      est += allocated (a->disks[i]);
  }
  if (o->drv->prepare (o, a->name, a->n, t, est) == -1)
    return -1;
  if (a->print_targets)
    for (size_t i = 0; i < a->n; ++i)
      printf ("%s %s %s %s %" PRIu64 "\n", t[i].name,
              t[i].path ? t[i].path : "-",
              t[i].domain_path ? t[i].domain_path : "-", t[i].format,
              t[i].size);
  fflush (stdout);
  for (size_t i = 0; i < a->n; ++i) {
    if (a->fail_after >= 0 && (size_t) a->fail_after == i) {
      set_error (0, "outtool: failing after %zu disks as asked", i);
      return -1;
    }
    if (t[i].path && copy_one (b[i], &t[i], a->o.replace) == -1)
      return -1;
  }
  if (a->fail_after >= 0 && (size_t) a->fail_after == a->n) {
    set_error (0, "outtool: failing after %zu disks as asked", a->n);
    return -1;
  }
  if (a->script_template) {
    tmpl = slurp (a->script_template);
    if (!tmpl)
      return -1;
    script = substitute (tmpl, a->n, t);
  }
  xml = make_xml (a, t, &script);
  if (!xml)
    return -1;
  if (!script)
    script = xstrdup ("#!/bin/sh\nexit 0\n");
  return o->drv->finalize (o, a->name, a->n, t, xml, script);
}

int
main (int argc, char **argv)
{
  struct args a = { 0 };
  struct output *o;
  struct blk **b;
  struct output_target *t;
  int r = 0;

  parse (argc, argv, &a);
  b = xzalloc (a.n * sizeof *b);
  t = xzalloc (a.n * sizeof *t);
  o = output_new (&a.o);
  if (!o)
    goto err;
  for (size_t i = 0; i < a.n; ++i)
    if (!(b[i] = blk_open (a.disks[i], NULL)))
      goto err;
  if (run (&a, o, b, t) == -1) {
    o->drv->abort (o, a.n, t);
    goto err;
  }
  goto out;
 err:
  fprintf (stderr, "v2kvm: %s\n", get_error ());
  r = exit_code_for ();
 out:
  output_free (o);
  output_targets_clear (a.n, t);
  for (size_t i = 0; i < a.n; ++i)
    if (b[i])
      blk_close (b[i]);
  free (b);
  free (t);
  return r;
}
