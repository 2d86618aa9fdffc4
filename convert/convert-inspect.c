/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: convert_inspect (convert.h): the pipeline's steps (pipeline.h)
 * with -o null, the fixups' commands listed rather than run, no
 * metadata; what the steps found is moved into a struct inspection. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "copy.h"
#include "error.h"
#include "pipeline.h"
#include "xalloc.h"

static _Thread_local struct inspection *collecting;

static void
collect_warning (const char *msg)
{
  string_vector_append (&collecting->warnings, xstrdup (msg));
}

/* Move what the steps found into ins. */
static void
take_findings (struct conv *c, struct inspection *ins)
{
  ins->n = c->n;
  ins->disks = xzalloc ((c->n + 1) * sizeof *ins->disks);
  for (size_t i = 0; i < c->n; ++i) {
    struct inspect_disk *d = &ins->disks[i];
    d->source = xstrdup (c->d[i].gd->path);
    d->format = c->d[i].blk ? c->d[i].blk->drv->name : NULL;
    d->virtual_size = c->d[i].rd.size;
    d->allocated = c->d[i].blk || c->xva ? c->d[i].allocated : -1;
    d->used = c->d[i].rd.st.written;
    d->measured = ins->exit == 0;
  }
  ins->g = c->g;
  c->g = NULL;
  ins->fixed = c->fixed;
  ins->fx = c->fx;
  memset (&c->fx, 0, sizeof c->fx);
}

int
convert_inspect (const struct convert_options *o, struct inspection *ins)
{
  struct convert_options io = *o;
  struct conv c = { .o = &io, .ins = ins };
  void (*old_hook) (const char *) = warning_hook;
  double t0 = copy_now ();

  io.output = (struct output_opts) { .type = "null" };
  io.machine = false;
  io.print_source = false;
  ins->warnings = (string_vector) empty_vector;
  c.rep = report_new (false, o->input_type, o->sources[0], "null");
  collecting = ins;
  warning_hook = collect_warning;
  report_phase (c.rep, PHASE_SOURCE, "Reading the source");
  if (step_source (&c) == -1)
    goto fail;
  report_phase (c.rep, PHASE_PREFLIGHT, "Opening the disks");
  if (step_preflight (&c) == -1 || check_interrupted () == -1 ||
      step_serve (&c) == -1 || check_interrupted () == -1 ||
      step_fixup (&c) == -1 || check_interrupted () == -1 ||
      step_copy (&c) == -1 || check_interrupted () == -1)
    goto fail;
  goto out;

 fail:
  if (v2k_interrupted)
    check_interrupted ();
  ins->exit = exit_code_for ();
  ins->code = error_get_code ();
  if (!ins->code)               /* unnamed: the class, or a missing file */
    ins->code = ins->exit == V2K_EXIT_INPUT && get_errno () == ENOENT
      ? "source-missing" : exit_class_name (ins->exit);
  ins->message = xstrdup (get_error ());
 out:
  report_seconds (c.rep, ins->phase_seconds);
  report_end (c.rep, 0, NULL, NULL, NULL, 0, NULL);
  warning_hook = old_hook;
  collecting = NULL;
  take_findings (&c, ins);
  conv_release (&c);
  ins->seconds = copy_now () - t0;
  return ins->exit == V2K_EXIT_INTERRUPTED ? -1 : 0;
}

void
inspection_free (struct inspection *ins)
{
  guest_free (ins->g);
  for (size_t i = 0; i < ins->n; ++i)
    free (ins->disks[i].source);
  free (ins->disks);
  fixup_result_free (&ins->fx);
  free (ins->message);
  string_vector_free_all (&ins->warnings);
}
