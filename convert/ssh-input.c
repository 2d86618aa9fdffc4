/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: -it ssh (see ssh-input.h). */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bfile-remote.h"
#include "cfg.h"
#include "cleanup.h"
#include "error.h"
#include "nbd.h"
#include "ssh-input.h"
#include "ssh.h"
#include "xalloc.h"

struct ssh_input {
  struct ssh_url u;
  char *prefix;
  struct remote *r;
  string_vector stats;          /* the NBD servers' byte count files */
};

bool
ssh_input_type_ok (const char *type)
{
  static const char *const ok[] = { "vmx", "xl", "xm", "libvirtxml" };

  for (size_t i = 0; type && i < sizeof ok / sizeof ok[0]; i++)
    if (strcmp (type, ok[i]) == 0)
      return true;
  return false;
}

int
ssh_input_open (const char *reader, const char *url, struct ssh_input **si,
                struct guest **g)
{
  struct ssh_input *s = xzalloc (sizeof *s);
  CLEANUP_FREE char *buf = NULL;
  size_t len = 0;

  *si = NULL;
  *g = NULL;
  if (ssh_url_parse (url, &s->u) == -1) {
    free (s);
    return -1;
  }
  s->prefix = ssh_url_prefix (&s->u);
  s->r = ssh_remote_new (&s->u, NULL);
  buf = remote_slurp (s->r, s->u.path, CFG_MAX_FILE, &len);
  if (!buf || cfg_read_buffer (reader, buf, len, s->u.path, g) == -1) {
    ssh_input_close (s);
    return -1;
  }
  *si = s;
  return 0;
}

struct blk *
ssh_input_open_disk (struct ssh_input *si, const char *path,
                     const struct blk_open_options *opts)
{
  struct bfile *f = remote_open (si->r, path);

  return f ? blk_open_file (f, opts) : NULL;
}

char *
ssh_input_url (const struct ssh_input *si, const char *path)
{
  return xasprintf ("%s%s", si->prefix, path);
}

void
ssh_input_nbd (struct ssh_input *si, const char *dir, struct nbd_remote *out)
{
  string_vector_append (&si->stats, xasprintf ("%s/ssh%zu.stats", dir,
                                                si->stats.len));
  out->stats = si->stats.ptr[si->stats.len - 1];
}

uint64_t
ssh_input_fetched (void *opaque)
{
  struct ssh_input *si = opaque;
  struct remote_stats st;

  if (!si)
    return 0;
  remote_get_stats (si->r, &st);
  return nbd_stats_total (&si->stats) + st.bytes_fetched;
}

void
ssh_input_debug_servers (const struct ssh_input *si)
{
  if (si)
    nbd_stats_debug (&si->stats);
}

void
ssh_input_close (struct ssh_input *si)
{
  if (!si)
    return;
  if (si->r) {
    struct remote_stats st;
    remote_get_stats (si->r, &st);
    debug ("ssh: %" PRIu64 " bytes fetched in %" PRIu64 " requests (%"
           PRIu64 " ms), %" PRIu64 " retries, %" PRIu64 " cache hits "
           "(this process)", st.bytes_fetched, st.requests,
           st.request_ns / 1000000, st.retries, st.cache_hits);
  }
  remote_unref (si->r);
  for (size_t i = 0; i < si->stats.len; i++)
    free (si->stats.ptr[i]);
  string_vector_reset (&si->stats);
  ssh_url_free (&si->u);
  free (si->prefix);
  free (si);
}
