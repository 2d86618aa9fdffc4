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
collect_warning (const char *code, const char *msg)
{
  struct inspect_note w = { .code = code, .message = xstrdup (msg) };
  inspect_note_list_append (&collecting->warnings, w);
}

/* The stable code of the current error: its own, else its exit class
 * (or source-missing for a missing input file). */
static const char *
current_code (int exit)
{
  const char *code = error_get_code ();
  if (code)
    return code;
  return exit == V2K_EXIT_INPUT && get_errno () == ENOENT
    ? "source-missing" : exit_class_name (exit);
}

/* The current error as a blocker, unless it is the last one already
 * (error_checks_end restores the first of its checks' failures). */
static void
collect_blocker (void)
{
  struct inspect_note b = { .exit = exit_code_for () };
  inspect_note_list *l = &collecting->blockers;

  b.code = current_code (b.exit);
  for (size_t i = 0; i < l->len; ++i)
    if (strcmp (l->ptr[i].code, b.code) == 0 &&
        strcmp (l->ptr[i].message, get_error ()) == 0)
      return;
  b.message = xstrdup (get_error ());
  inspect_note_list_append (l, b);
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
  void (*old_hook) (const char *, const char *) = warning_hook;
  double t0 = copy_now ();

  io.output = (struct output_opts) { .type = "null" };
  io.machine = false;
  io.print_source = false;
  ins->warnings = (inspect_note_list) empty_vector;
  ins->blockers = (inspect_note_list) empty_vector;
  c.rep = report_new (false, o->input_type, o->sources[0], "null");
  collecting = ins;
  warning_hook = collect_warning;
  error_check_hook = collect_blocker;
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
  if (!v2k_interrupted)
    collect_blocker ();
  if (ins->blockers.len && !v2k_interrupted) {  /* the first is convert's */
    ins->exit = ins->blockers.ptr[0].exit;
    ins->code = ins->blockers.ptr[0].code;
    ins->message = xstrdup (ins->blockers.ptr[0].message);
  }
  else {
    ins->exit = exit_code_for ();
    ins->code = current_code (ins->exit);
    ins->message = xstrdup (get_error ());
  }
 out:
  report_seconds (c.rep, ins->phase_seconds);
  report_end (c.rep, 0, NULL, NULL, NULL, 0, NULL);
  warning_hook = old_hook;
  error_check_hook = NULL;
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
  for (size_t i = 0; i < ins->warnings.len; ++i)
    free (ins->warnings.ptr[i].message);
  inspect_note_list_reset (&ins->warnings);
  for (size_t i = 0; i < ins->blockers.len; ++i)
    free (ins->blockers.ptr[i].message);
  inspect_note_list_reset (&ins->blockers);
}
