/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: step 4 of the conversion pipeline (pipeline.h): run the
 * fixups (guest-fixups/, through libguestfs) on the disks' overlays,
 * then settle the guest's capabilities and its NICs' MACs from what
 * they found.  Split from convert.c, which holds the other steps. */
#include <config.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "convert-report.h"
#include "error.h"
#include "pipeline.h"
#include "vector.h"
#include "xalloc.h"

/* "sda", "xvdb", "hdc", "vdaa": a name the fixups can map. */
static bool
linux_disk_name (const char *s)
{
  size_t k = 0;

  if (!s)
    return false;
  if (!strncmp (s, "sd", 2) || !strncmp (s, "hd", 2) || !strncmp (s, "vd", 2))
    k = 2;
  else if (!strncmp (s, "xvd", 3))
    k = 3;
  else
    return false;
  if (!s[k])
    return false;
  for (s += k; *s; ++s)
    if (*s < 'a' || *s > 'z')
      return false;
  return true;
}

/* Capabilities: the source's defaults, lowered or settled by what the
 * fixups found in the guest. */
static void
merge_caps (struct conv *c)
{
  const struct guestcaps *f = &c->fx.caps;

  guestcaps_init (&c->caps, c->g);
  if (!c->fixed)
    return;
  if (c->g->firmware == GUEST_FW_UEFI && f->firmware != CAPS_FW_UEFI)
    warning ("uefi-no-esp", "the source says UEFI but the guest has no EFI system "
             "partition mounted: it will boot with BIOS");
  c->caps.block_bus = f->block_bus;
  c->caps.net_model = f->net_model;
  c->caps.machine = f->machine;
  c->caps.firmware = f->firmware;
  c->caps.secure_boot = c->caps.secure_boot && f->firmware == CAPS_FW_UEFI;
  c->caps.virtio_rng = f->virtio_rng;
  c->caps.virtio_balloon = f->virtio_balloon;
  c->caps.rtc_utc = f->rtc_utc;
  c->caps.hyperv = f->hyperv;
  c->caps.video = f->video;
  if (f->arch)
    c->caps.arch = f->arch;
}

/* A source NIC without a MAC (VMware's OVF export drops them, -i disk
 * knows none) would get a new one from libvirt, and a guest that binds
 * its interface name to a MAC would lose its network.  Before the
 * fixups, each such NIC gets a candidate MAC (52:54:00, libvirt's and
 * qemu's prefix) that the fixups may pin a MAC-less interface name to
 * (fixup.h source_macs); after them, each takes, in order, a MAC the
 * guest's configuration names that no other NIC has: the guest's own
 * (the old VMware MAC a .link file names) or the candidate it was
 * pinned to. */
static char *
candidate_mac (void)
{
  unsigned char b[3] = { 0 };
  int fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);

  if (fd == -1 || read (fd, b, sizeof b) != (ssize_t) sizeof b) {
    /* no entropy device: still unlikely to collide on one host */
    unsigned v = (unsigned) getpid () ^ (unsigned) time (NULL);
    memcpy (b, &v, sizeof b);
  }
  if (fd != -1)
    close (fd);
  return xasprintf ("52:54:00:%02x:%02x:%02x", b[0], b[1], b[2]);
}

static void
keep_guest_macs (struct conv *c, char *const *cand)
{
  const string_vector *gm = &c->fx.guest_macs;
  size_t next = 0;

  for (size_t i = 0; i < c->g->nics.len; ++i) {
    struct guest_nic *nic = &c->g->nics.ptr[i];
    const char *mac = NULL, *name;
    int nlen;
    if (nic->mac)
      continue;
    for (; next < gm->len; ++next) {
      bool used = false;
      mac = strchr (gm->ptr[next], '=') + 1;
      for (size_t k = 0; k < c->g->nics.len; ++k)
        used |= c->g->nics.ptr[k].mac &&
          strcasecmp (c->g->nics.ptr[k].mac, mac) == 0;
      if (!used && guest_set_mac (&nic->mac, mac) == 0)
        break;
    }
    if (next == gm->len)
      return;
    name = gm->ptr[next];
    nlen = (int) (strchr (name, '=') - name);
    struct fixup_change ch = { .file = xstrdup ("domain") };
    if (cand[i] && strcasecmp (mac, cand[i]) == 0)
      ch.what = xasprintf ("NIC %zu gets the new MAC %s, to which the "
                           "guest's %.*s is now bound (the source gave no "
                           "MAC)", i + 1, nic->mac, nlen, name);
    else
      ch.what = xasprintf ("NIC %zu keeps MAC %s, which the guest binds to "
                           "%.*s (the source gave no MAC)", i + 1, nic->mac,
                           nlen, name);
    fixup_change_list_append (&c->fx.changes, ch);
    next++;
  }
}

int
step_fixup (struct conv *c)
{
  const struct convert_options *o = c->o;
  CLEANUP_FREE const char **disks = xzalloc (c->n * sizeof *disks);
  CLEANUP_FREE const char **formats = xzalloc (c->n * sizeof *formats);
  CLEANUP_FREE const char **targets = xzalloc (c->n * sizeof *targets);
  string_vector macs = empty_vector;
  struct fixup_options fo = {
    .root = o->root ? o->root : "single", .accel = c->accel, .smp = o->smp,
    .macs = &o->macs, .source_macs = &macs, .virtio_win = o->virtio_win,
    .no_trim = o->no_trim, .virtio_scsi = o->virtio_scsi,
    .copy_on_read = c->vi || c->si,     /* read each remote block once */
    .rebuild_initramfs = o->rebuild_initramfs,
    .list_commands = c->ins != NULL, .describe = c->ins != NULL,
    .keys = &o->keys, .key_input = o->keys_from_stdin ? stdin : NULL,
  };
  bool named = true;
  char **cand;
  int r;

  if (o->no_fixup) {
    warning ("no-fixup", "--no-fixup: the guest is copied as it is and may not boot "
             "on virtio");
    merge_caps (c);
    return 0;
  }
  report_phase (c->rep, PHASE_FIXUP, "Converting the guest (libguestfs)");
  for (size_t i = 0; i < c->n; ++i) {
    disks[i] = c->d[i].overlay;
    formats[i] = "qcow2";
    targets[i] = c->d[i].gd->target;
    named &= linux_disk_name (targets[i]);
  }
  fo.source_targets = named ? targets : NULL;
  cand = xzalloc ((c->g->nics.len + 1) * sizeof *cand);
  for (size_t i = 0; i < c->g->nics.len; ++i) {
    if (!c->g->nics.ptr[i].mac)
      cand[i] = candidate_mac ();
    string_vector_append (&macs, c->g->nics.ptr[i].mac ?
                          c->g->nics.ptr[i].mac : cand[i]);
  }
  r = fixup_disks (disks, formats, c->n, &fo, &c->fx);
  string_vector_reset (&macs);
  if (r == 0) {
    c->fixed = true;
    merge_caps (c);
    keep_guest_macs (c, cand);
  }
  for (size_t i = 0; i < c->g->nics.len; ++i)
    free (cand[i]);
  free (cand);
  return r;
}
