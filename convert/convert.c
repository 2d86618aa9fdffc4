/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the conversion pipeline (see convert.h for the steps and why
 * they come in this order).  One function per step; each returns 0 or
 * -1 + set_error, and convert_run() undoes what was done when one fails.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accel.h"
#include "archive.h"
#include "blk.h"
#include "cfg.h"
#include "checked.h"
#include "cleanup.h"
#include "commands.h"
#include "convert.h"
#include "convert-report.h"
#include "pipeline.h"
#include "copy.h"
#include "error.h"
#include "nbd.h"
#include "qemu-script.h"
#include "scratch.h"
#include "vsphere-input.h"
#include "ssh-input.h"
#include "writer.h"
#include "xalloc.h"
#include "xva-convert.h"

/* -i disk: what virt-v2v's -i disk assumes for what a bare image
 * cannot say. */
#define DISK_MEMORY (UINT64_C (2048) << 20)
#define DISK_VCPUS 1

/* ---- 1. source ---- */

static const char *
reader_name (const char *type)
{
  return strcmp (type, "libvirtxml") == 0 ? "libvirt-xml" : type;
}

/* -i disk: a guest made of bare images; inspection decides the rest. */
static struct guest *
guest_from_disks (char **paths, size_t n)
{
  struct guest *g = guest_new ();
  CLEANUP_FREE char *copy = xstrdup (paths[0]);
  char *base = basename (copy), *dot = strrchr (base, '.');
  struct guest_nic *nic;

  if (dot && dot != base)
    *dot = '\0';
  g->name = xstrdup (base);
  g->config_path = xstrdup (paths[0]);
  g->memory = DISK_MEMORY;
  g->vcpus = DISK_VCPUS;
  for (size_t i = 0; i < n; ++i) {
    struct guest_disk *d = guest_add_disk (&g->disks);
    /* No target: the fixups then map the guest's own names by letter
     * (sdb, xvdb, hdb -> vdb), whatever bus it was on. */
    d->path = guest_abs_path (NULL, paths[i]);
  }
  nic = guest_add_nic (g);
  nic->network = xstrdup ("default");
  return g;
}

/* A guest name that is safe as a file name stem and a libvirt name. */
static int
check_name (const char *name)
{
  if (!*name || name[0] == '.' || name[0] == '-' || strlen (name) > 200)
    goto bad;
  for (const char *p = name; *p; ++p)
    if (*p == '/' || (unsigned char) *p < 0x20 || *p == 0x7f)
      goto bad;
  return 0;
 bad:
  set_error (EINVAL, "guest name '%s' cannot be used as a file name "
             "(give another with -on NAME)", name);
  error_set_kind (V2K_ERR_USAGE);
  return -1;
}

/* -on, and a name that can be used for files. */
static int
name_guest (const struct convert_options *o, struct guest *g)
{
  if (o->name) {                /* -on: the name everywhere on the output */
    free (g->name);
    g->name = xstrdup (o->name);
  }
  if (!g->name) {
    set_error (EINVAL, "'%s' gives the guest no name: name it with -on NAME",
               o->sources[0]);
    error_set_kind (V2K_ERR_USAGE);
    return -1;
  }
  return check_name (g->name);
}

int
convert_read_guest (const struct convert_options *o, struct guest **g)
{
  const char *type = o->input_type;
  int r;

  *g = NULL;
  if (strcmp (type, "disk") == 0) {
    *g = guest_from_disks (o->sources, o->nsources);
    r = 0;
  }
  else if (o->input_transport) {
    struct ssh_input *si;
    r = ssh_input_open (reader_name (type), o->sources[0], &si, g);
    ssh_input_close (si);
  }
  else if (!strcmp (type, "ova") || !strcmp (type, "ovf") ||
           !strcmp (type, "xva"))
    r = archive_read_guest (o->sources[0], g);
  else if (!strcmp (type, "vsphere")) {
    struct vsphere_input *vi;
    r = vsphere_input_open (o->input_conn, o->input_password, o->sources[0],
                            &vi, g);
    vsphere_input_close (vi);
  }
  else
    r = cfg_read (reader_name (type), o->sources[0], g);
  if (r == -1)
    return -1;
  return name_guest (o, *g);
}

/* An XVA on stdin: ova.xml now, the disks in the serve step, from the
 * same stream (c->xs). */
static int
read_xva_stdin (struct conv *c)
{
  CLEANUP_FREE char *xml = NULL;
  size_t len;

  c->xs = xva_stream_open ("-", &xml, &len);
  if (!c->xs || cfg_xva_read_buffer (xml, len, "-", &c->g) == -1)
    return -1;
  for (size_t i = 0; i < c->g->disks.len; ++i) {
    free (c->g->disks.ptr[i].path);
    c->g->disks.ptr[i].path = xstrdup ("-");
  }
  return name_guest (c->o, c->g);
}

int
step_source (struct conv *c)
{
  const struct convert_options *o = c->o;
  const char *type = o->input_type;

  c->archive = !strcmp (type, "ova") || !strcmp (type, "ovf") ||
    !strcmp (type, "xva");
  c->xva = !strcmp (type, "xva");
  /* A local .vmx names its disks: they are references (formats/refs.h).
   * The disks of xl target= and libvirt <source> are the user's own; a
   * remote source applies the rule on its side (bfile-remote.h). */
  c->referrer = !strcmp (type, "vmx") && !o->input_transport ?
    o->sources[0] : NULL;
  if (c->xva && strcmp (o->sources[0], "-") == 0) {
    if (read_xva_stdin (c) == -1)
      return -1;
  }
  else if (!strcmp (type, "vsphere")) {
    /* The session stays open: the disks are read through it. */
    if (vsphere_input_open (o->input_conn, o->input_password, o->sources[0],
                            &c->vi, &c->g) == -1 ||
        name_guest (o, c->g) == -1)
      return -1;
    report_set_network (c->rep, vsphere_input_fetched, c->vi);
  }
  else if (o->input_transport) {      /* the session stays for the disks */
    if (ssh_input_open (reader_name (type), o->sources[0], &c->si,
                        &c->g) == -1 || name_guest (o, c->g) == -1)
      return -1;
    report_set_network (c->rep, ssh_input_fetched, c->si);
  }
  else if (convert_read_guest (o, &c->g) == -1)
    return -1;
  c->name = c->g->name;
  c->n = c->g->disks.len;
  if (c->n == 0) {
    set_error (EINVAL, "'%s': the guest has no hard disk to convert",
               o->sources[0]);
    error_set_kind (V2K_ERR_INPUT);
    return -1;
  }
  c->d = xzalloc (c->n * sizeof *c->d);
  for (size_t i = 0; i < c->n; ++i) {
    struct cdisk *d = &c->d[i];
    d->gd = &c->g->disks.ptr[i];
    if (!d->gd->path) {
      set_error (ENOENT, "'%s': disk %zu (%s) names no file", o->sources[0],
                 i + 1, d->gd->target ? d->gd->target : "?");
      return -1;
    }
    if (c->archive && !c->xva)
      d->member = d->gd->ref;
    d->rd.source = d->gd->path;
    if (c->si)
      d->rd.source = d->url = ssh_input_url (c->si, d->gd->path);
  }
  return 0;
}

/* ---- 2. preflight ---- */

static int
open_disk (struct conv *c, size_t i, bool first_ova)
{
  struct cdisk *d = &c->d[i];
  const struct blk_open_options opts = {
    .raw_expected = d->gd->format && strcmp (d->gd->format, "raw") == 0,
    .disk = d->member,
    .no_verify = c->o->no_verify,
    /* One manifest check per archive, beside the fixups and the copy. */
    .verify_later = first_ova && !c->o->no_verify,
    .verified_elsewhere = d->member && !first_ova,
    .allow_external_refs = c->o->allow_external_refs,
    .referrer = c->referrer,
  };
  struct stat st;

  if (c->xs) {
    /* A stream's length is unknown: no room estimate; the scratch
     * writers fail cleanly (ENOSPC, nothing left) if it runs out. */
    d->rd.size = d->gd->size;
    d->allocated = 0;
    return 0;
  }
  if (c->xva) {
    /* Streamed later; ova.xml gives the size.  The archive's size bounds
     * what the disk can hold (close enough for the room check). */
    if (stat (d->gd->path, &st) == -1) {
      set_error_errno ("cannot open '%s'", d->gd->path);
      return -1;
    }
    d->rd.size = d->gd->size;
    d->allocated = MIN ((int64_t) d->gd->size, (int64_t) st.st_size);
    return 0;
  }
  d->blk = c->vi ? vsphere_input_open_disk (c->vi, d->gd->path, &opts)
    : c->si ? ssh_input_open_disk (c->si, d->gd->path, &opts)
    : blk_open (d->gd->path, &opts);
  if (!d->blk)
    return -1;
  d->rd.size = d->blk->size;
  d->allocated = blk_allocated (d->blk);
  if (d->allocated < 0)
    return -1;
  if (c->vi)                    /* HTTP shows no holes: ask vSphere */
    d->allocated = vsphere_input_allocated (c->vi, d->allocated);
  debug ("disk %zu: '%s': %s%s%s, %" PRIu64 " bytes, %" PRId64
         " allocated", i + 1, d->gd->path, d->blk->drv->name,
         d->blk->subformat ? " " : "",
         d->blk->subformat ? d->blk->subformat : "", d->blk->size,
         d->allocated);
  return 0;
}

int
step_preflight (struct conv *c)
{
  const struct convert_options *o = c->o;
  uint64_t estimate = 0, scratch = 0;
  bool ova_seen = false;

  if (o->output.preallocated &&
      (!o->output.format || strcmp (o->output.format, "raw") != 0)) {
    set_error (EINVAL, "-oa preallocated needs -of raw");
    error_set_kind (V2K_ERR_USAGE);
    return -1;
  }
  for (size_t i = 0; i < c->n; ++i) {
    if (open_disk (c, i, c->d[i].member && !ova_seen) == -1)
      return -1;
    ova_seen |= c->d[i].member != NULL;
    estimate += o->output.preallocated ? c->d[i].rd.size
      : (uint64_t) c->d[i].allocated;
    if (c->xva)
      scratch += c->d[i].allocated;
    if (check_interrupted () == -1)
      return -1;
  }
  c->accel = o->accel;
  if (!o->no_fixup && c->accel == FIXUP_ACCEL_AUTO && !accel_auto_wants_kvm ())
    c->accel = FIXUP_ACCEL_TCG;
  c->out = output_new (&o->output);
  if (!c->out)
    return -1;
  c->t = xzalloc (c->n * sizeof *c->t);
  for (size_t i = 0; i < c->n; ++i)
    c->t[i].size = c->d[i].rd.size;
  c->prepared = true;
  if (c->out->drv->prepare (c->out, c->name, c->n, c->t, estimate) == -1)
    return -1;
  {
    CLEANUP_FREE char **paths = xzalloc (c->n * sizeof *paths);
    for (size_t i = 0; i < c->n; ++i)
      paths[i] = c->t[i].path;
    report_targets (c->rep, paths, c->n);
  }
  if (scratch && (!scratch_dir () ||
                  output_check_dir (scratch_dir (), scratch) == -1)) {
    prepend_error ("scratch space for the XVA's disks: ");
    return -1;
  }
  return 0;
}

/* ---- 3. serve ---- */

/* XVA: stream disk i into a sparse raw file in scratch. */
static int
stream_xva (struct conv *c, size_t i)
{
  struct cdisk *d = &c->d[i];
  struct writer_options wo = { 0 };
  struct copy_stats st = { 0 };
  const struct blk_open_options in = { .disk = d->gd->ref,
                                       .no_verify = c->o->no_verify };
  const struct blk_open_options raw = { .format = "raw" };
  uint64_t usage;
  CLEANUP_FREE char *msg = xasprintf ("Reading disk %zu/%zu (%s) out of "
                                      "the XVA", i + 1, c->n, d->gd->ref);

  report_phase (c->rep, PHASE_SERVE, msg);
  d->local = xasprintf ("%s/xva-disk%zu.raw", scratch_dir (), i);
  report_disk_start (c->rep, i, c->n);
  if (xva_convert (d->gd->path, &in, "raw", d->local, &wo, &st,
                   report_progress, c->rep, &usage) == -1)
    return -1;
  d->blk = blk_open (d->local, &raw);
  if (!d->blk)
    return -1;
  d->rd.size = d->blk->size;
  return 0;
}

/* XVA on stdin: every disk into scratch in the one pass left. */
static int
stream_xva_all (struct conv *c)
{
  CLEANUP_FREE const char **refs = xzalloc (c->n * sizeof *refs);
  CLEANUP_FREE uint64_t *sizes = xzalloc (c->n * sizeof *sizes);
  CLEANUP_FREE char **outs = xzalloc (c->n * sizeof *outs);

  report_phase (c->rep, PHASE_SERVE, "Reading the disks out of the XVA on "
                "standard input");
  for (size_t i = 0; i < c->n; ++i) {
    struct cdisk *d = &c->d[i];
    d->local = xasprintf ("%s/xva-disk%zu.raw", scratch_dir (), i);
    refs[i] = d->gd->ref;
    sizes[i] = d->gd->size;
    outs[i] = d->local;
  }
  report_disk_start (c->rep, 0, 1);
  if (xva_convert_all (c->xs, !c->o->no_verify, c->n, refs, sizes, outs,
                       report_progress, c->rep) == -1)
    return -1;
  xva_stream_close (c->xs);
  c->xs = NULL;
  for (size_t i = 0; i < c->n; ++i) {
    struct cdisk *d = &c->d[i];
    const struct blk_open_options raw = { .format = "raw" };
    d->blk = blk_open (d->local, &raw);
    if (!d->blk)
      return -1;
    d->rd.size = d->blk->size;
    d->allocated = blk_allocated (d->blk);
  }
  return 0;
}

int
step_serve (struct conv *c)
{
  const char *dir = scratch_dir ();

  if (!dir)
    return -1;
  if (c->xs && stream_xva_all (c) == -1)
    return -1;
  for (size_t i = 0; c->xva && i < c->n; ++i)
    if (!c->d[i].local && stream_xva (c, i) == -1)
      return -1;
  if (c->o->no_fixup)
    return 0;
  report_phase (c->rep, PHASE_SERVE, "Serving the disks read-only over NBD, "
                "with overlays");
  for (size_t i = 0; i < c->n; ++i) {
    struct cdisk *d = &c->d[i];
    CLEANUP_FREE char *name = xasprintf ("overlay%zu", i);
    struct nbd_remote remote = { 0 };
    if (c->vi)
      vsphere_input_nbd (c->vi, dir, &remote);
    if (c->si)
      ssh_input_nbd (c->si, dir, &remote);
    /* -it ssh: the plugin opens file=ssh://... on the same host itself
     * (remote/ssh.h; the agent and ~/.ssh come with the environment). */
    /* The disk as preflight opened it (an XVA's is a scratch file). */
    const struct blk_open_options so = {
      .format = d->blk->drv->name,
      .disk = d->member,
      .allow_external_refs = c->o->allow_external_refs,
      .referrer = d->local ? NULL : c->referrer,
    };
    d->nbd = nbd_serve (d->local ? d->local : d->url ? d->url : d->gd->path,
                        &so, dir, c->vi || c->si ? &remote : NULL);
    if (!d->nbd)
      return -1;
    d->overlay = overlay_create (d->nbd->qemu_uri, d->rd.size, name);
    if (!d->overlay)
      return -1;
  }
  return 0;
}

/* ---- 4. fixup: convert-fixup.c ---- */

/* ---- 5. copy ---- */

/* -o null: a writer that keeps nothing. */
static void *
null_create (int fd, const char *name, bool regular, uint64_t size,
             const struct writer_options *opts, uint32_t *block_size,
             bool *zero_init)
{
  *block_size = 65536;
  *zero_init = true;
  return (void *) 1;
}

static int
null_pwrite (void *h, const void *buf, size_t count, uint64_t offset)
{
  return 0;
}

static int null_finish (void *h) { return 0; }
static void null_close (void *h) { }

static const struct writer_driver null_writer = {
  .name = "null", .create = null_create, .pwrite = null_pwrite,
  .finish = null_finish, .close = null_close,
};

static struct writer *
make_writer (struct conv *c, size_t i)
{
  struct writer_options wo = {
    .compress = c->o->compress, .force = c->o->output.replace,
  };
  CLEANUP_FREE char *null_path = NULL;

  if (c->t[i].path)
    return writer_create (c->t[i].format, c->t[i].path, c->d[i].rd.size, &wo);
  null_path = xasprintf ("%s/null%zu", scratch_dir (), i);
  wo.compress = false;
  return writer_create_driver (&null_writer, null_path, c->d[i].rd.size, &wo);
}

/* -oa preallocated (raw only): allocate every block of the finished
 * file without changing what it reads. */
static int
preallocate (const char *path, uint64_t size)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  int r;

  if (fd == -1) {
    set_error_errno ("cannot open '%s'", path);
    error_set_kind (V2K_ERR_OUTPUT);
    return -1;
  }
  r = posix_fallocate (fd, 0, (off_t) size);
  close (fd);
  if (r != 0) {
    errno = r;
    set_error_errno ("cannot preallocate '%s'", path);
    error_set_kind (V2K_ERR_OUTPUT);
    return -1;
  }
  return 0;
}

static int
copy_one (struct conv *c, size_t i)
{
  struct cdisk *d = &c->d[i];
  struct copy_options co = {
    .threads = c->o->jobs, .progress = report_progress,
    .progress_opaque = c->rep,
  };
  struct blk *view = d->blk;
  struct writer *w;
  CLEANUP_FREE char *msg = xasprintf ("Copying disk %zu/%zu to %s", i + 1,
                                      c->n, c->t[i].path ? c->t[i].path
                                      : "nowhere (-o null)");

  report_phase (c->rep, PHASE_COPY, msg);
  if (d->overlay && !(view = blk_open_overlay (d->overlay, d->blk)))
    return -1;
  w = make_writer (c, i);
  if (!w) {
    if (view != d->blk)
      blk_close (view);
    return -1;
  }
  report_disk_start (c->rep, i, c->n);
  if (copy_disk (view, w, &co, &d->rd.st) == -1 || writer_finish (w) == -1) {
    writer_abort (w);
    if (view != d->blk)
      blk_close (view);
    return -1;
  }
  d->rd.output_bytes = c->t[i].path ? writer_disk_usage (w) : 0;
  d->rd.target = c->t[i].path;
  d->written = c->t[i].path != NULL;
  writer_close (w);
  if (view != d->blk)
    blk_close (view);
  if (c->o->output.preallocated && c->t[i].path)
    return preallocate (c->t[i].path, d->rd.size);
  return 0;
}

int
step_copy (struct conv *c)
{
  /* The fixups' appliance and the NBD servers are done with. */
  for (size_t i = 0; i < c->n; ++i) {
    nbd_stop (c->d[i].nbd);
    c->d[i].nbd = NULL;
  }
  if (c->vi)
    vsphere_input_debug_servers (c->vi);
  if (c->si)
    ssh_input_debug_servers (c->si);
  /* An OVA's manifest check ran beside the fixups (it reads the archive
   * once, sequentially, while the appliance boots): nothing is copied
   * from an archive that does not match it. */
  for (size_t i = 0; i < c->n; ++i)
    if (c->d[i].blk && archive_verify_finish (c->d[i].blk) == -1)
      return -1;
  for (size_t i = 0; i < c->n; ++i)
    if (copy_one (c, i) == -1)
      return -1;
  return 0;
}

/* ---- 6. metadata ---- */

static int
metadata (struct conv *c)
{
  const struct convert_options *o = c->o;
  CLEANUP_FREE struct domxml_target *dt = xzalloc (c->n * sizeof *dt);
  CLEANUP_FREE char *xml = NULL;
  CLEANUP_FREE char *script = NULL;
  const char *type = c->out->drv->name;
  const char *dir = o->output.storage ? o->output.storage : ".";

  report_phase (c->rep, PHASE_METADATA, "Writing the guest's metadata");
  for (size_t i = 0; i < c->n; ++i) {
    dt[i].path = c->t[i].domain_path ? c->t[i].domain_path : c->t[i].name;
    dt[i].format = c->t[i].format;
  }
  xml = domxml_build (c->g, &c->caps, dt, c->n, &o->dom);
  if (!xml)
    return -1;
  if (strcmp (type, "qemu") == 0 &&
      !(script = qemu_script (c->name, c->g, &c->caps, dt, c->n)))
    return -1;
  if (c->out->drv->finalize (c->out, c->name, c->n, c->t, xml, script) == -1)
    return -1;
  if (strcmp (type, "libvirt") == 0)
    c->metadata = xasprintf ("defined in libvirt (%s), disks in pool '%s'",
                             o->output.uri ? o->output.uri : "default URI",
                             o->output.storage ? o->output.storage
                             : "default");
  else if (strcmp (type, "qemu") == 0)
    c->metadata = xasprintf ("boot it with %s/%s.sh", dir, c->name);
  else if (strcmp (type, "local") == 0)
    c->metadata = xasprintf ("domain XML in %s/%s.xml", dir, c->name);
  return 0;
}

/* ---- the whole ---- */

static void
undo (struct conv *c)
{
  if (c->prepared)
    c->out->drv->abort (c->out, c->n, c->t);
  for (size_t i = 0; i < c->n && c->t; ++i)
    if (c->d[i].written && c->t[i].path)
      unlink (c->t[i].path);
}

void
conv_release (struct conv *c)
{
  for (size_t i = 0; i < c->n; ++i) {
    nbd_stop (c->d[i].nbd);
    blk_close (c->d[i].blk);
    free (c->d[i].overlay);
    free (c->d[i].local);
    free (c->d[i].url);
  }
  scratch_cleanup ();
  if (c->t)
    output_targets_clear (c->n, c->t);
  free (c->t);
  output_free (c->out);
  fixup_result_free (&c->fx);
  free (c->d);
  xva_stream_close (c->xs);
  ssh_input_close (c->si);
  free (c->metadata);
  guest_free (c->g);
  vsphere_input_close (c->vi);  /* logs out */
}

int
convert_run (const struct convert_options *o)
{
  struct conv c = { .o = o };
  CLEANUP_FREE char *what = NULL;
  int code = 0;

  c.rep = report_new (o->machine, o->input_type, o->sources[0],
                      o->output.type ? o->output.type : "local");
  what = xasprintf ("Reading the source: -i %s %s%s", o->input_type,
                    o->sources[0], o->nsources > 1 ? " ..." : "");
  report_phase (c.rep, PHASE_SOURCE, what);
  if (step_source (&c) == -1)
    goto fail;
  if (o->print_source) {
    if (o->machine) {
      char *buf = NULL;
      size_t len = 0;
      FILE *fp = open_memstream (&buf, &len);
      guest_print_json (c.g, fp);
      fclose (fp);
      while (len && buf[len - 1] == '\n')
        buf[--len] = '\0';
      printf ("{\"type\":\"source\",\"guest\":%s}\n", buf);
      free (buf);
    }
    else
      guest_print (c.g, stdout);
    report_end (c.rep, 0, NULL, c.name, NULL, 0, NULL);
    conv_release (&c);
    return 0;
  }
  report_phase (c.rep, PHASE_PREFLIGHT, "Checking the disks and the output");
  if (step_preflight (&c) == -1 || check_interrupted () == -1 ||
      step_serve (&c) == -1 || check_interrupted () == -1 ||
      step_fixup (&c) == -1 || check_interrupted () == -1 ||
      step_copy (&c) == -1 || check_interrupted () == -1 ||
      metadata (&c) == -1)
    goto fail;
  {
    CLEANUP_FREE struct report_disk *rd = xzalloc (c.n * sizeof *rd);
    for (size_t i = 0; i < c.n; ++i)
      rd[i] = c.d[i].rd;
    report_end (c.rep, 0, c.fixed ? &c.fx : NULL, c.name, rd, c.n,
                c.metadata);
  }
  conv_release (&c);
  return 0;

 fail:
  /* Report first (the message is the pipeline's), then clean up.  A
   * step that failed because SIGINT stopped its child says so. */
  if (v2k_interrupted)
    check_interrupted ();
  code = report_error ();
  report_end (c.rep, code, c.fixed ? &c.fx : NULL, c.name, NULL, 0, NULL);
  undo (&c);
  conv_release (&c);
  return code;
}
