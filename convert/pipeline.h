/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the steps of the conversion pipeline (convert.h), shared by
 * convert_run (convert.c) and convert_inspect (convert-inspect.c), which
 * run the same steps and therefore the same checks.  Internal to
 * convert/.  Each step returns 0 or -1 + set_error; release() frees
 * everything a struct conv holds (never fails). */
#ifndef V2K_PIPELINE_H
#define V2K_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "blk.h"
#include "convert.h"
#include "convert-report.h"
#include "guest.h"
#include "guestcaps.h"
#include "nbd.h"

struct cdisk {
  struct guest_disk *gd;
  const char *member;           /* OVA: File href of the disk; else NULL */
  char *local;                  /* XVA: the disk streamed to scratch */
  char *url;                    /* -it ssh: ssh://HOST/PATH of the disk */
  struct blk *blk;              /* the source through our readers */
  int64_t allocated;
  struct nbd_server *nbd;
  char *overlay;                /* qcow2 over the NBD export */
  struct report_disk rd;
  bool written;                 /* the output file is complete */
};

struct conv {
  const struct convert_options *o;
  struct report *rep;
  struct guest *g;
  const char *name;
  bool archive;                 /* -i ova/ovf/xva */
  bool xva;
  const char *referrer;         /* -i vmx: the .vmx, which names the disks
                                 * (blk_open_options.referrer); else NULL */
  struct xva_stream *xs;        /* XVA on stdin: read once, ova.xml done */
  struct ssh_input *si;         /* -it ssh: the host the disks are on */
  size_t n;
  struct cdisk *d;
  struct output *out;
  struct output_target *t;
  bool prepared;
  struct fixup_result fx;
  bool fixed;
  struct guestcaps caps;
  enum fixup_accel accel;       /* o->accel, auto resolved by the probe */
  char *metadata;               /* where the guest went, for the summary */
  struct inspection *ins;       /* convert_inspect: fill this, write nothing */
  struct vsphere_input *vi;     /* -ic esx://, vpx://: the session */
};

int step_source (struct conv *c);       /* 1. the guest record, -on applied */
int step_preflight (struct conv *c);    /* 2. open the disks, prepare output */
int step_serve (struct conv *c);        /* 3. NBD exports and overlays */
int step_fixup (struct conv *c);        /* 4. the fixups on the overlays */
int step_copy (struct conv *c);         /* 5. every disk into the output */
void conv_release (struct conv *c);

#endif /* V2K_PIPELINE_H */
