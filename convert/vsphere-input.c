/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the vSphere input of convert (see vsphere-input.h). */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bfile-remote.h"
#include "error.h"
#include "vsphere.h"
#include "vsphere-input.h"
#include "xalloc.h"

struct vsphere_input {
  struct vsphere *v;
  struct remote *src;
  char **args;                  /* nbdkit plugin words */
  const char *password;         /* theirs, owned by v */
  string_vector stats;          /* the NBD servers' byte count files */
  uint64_t used;                /* the VM's committed bytes, 0: unknown */
};

int
vsphere_input_open (const char *uri, const char *password_file,
                    const char *name, struct vsphere_input **out,
                    struct guest **g)
{
  struct vsphere_input *vi = xzalloc (sizeof *vi);
  struct vsphere_vm vm = { 0 };

  *out = NULL;
  vi->v = vsphere_open (uri, password_file);
  if (!vi->v)
    goto fail;
  if (vsphere_find (vi->v, name, &vm) == -1 ||
      vsphere_check_off (vi->v, &vm) == -1 ||
      vsphere_read_guest (vi->v, &vm, g, &vi->src) == -1)
    goto fail;
  debug ("%s: guest '%s' at %s", vsphere_display (vi->v), vm.name, vm.vmx);
  vi->used = vm.used;
  vsphere_vm_free_fields (&vm);
  *out = vi;
  return 0;

 fail:
  vsphere_vm_free_fields (&vm);
  vsphere_input_close (vi);
  return -1;
}

struct blk *
vsphere_input_open_disk (struct vsphere_input *vi, const char *path,
                         const struct blk_open_options *opts)
{
  struct bfile *f = remote_open (vi->src, path);

  if (!f)
    return NULL;
  return blk_open_file (f, opts);
}

void
vsphere_input_nbd (struct vsphere_input *vi, const char *dir,
                   struct nbd_remote *out)
{
  string_vector_append (&vi->stats, xasprintf ("%s/remote%zu.stats", dir,
                                                vi->stats.len));
  out->stats = vi->stats.ptr[vi->stats.len - 1];
  if (!vi->args)
    vi->args = vsphere_plugin_args (vi->v, &vi->password);
  out->args = (const char *const *) vi->args;
  out->password = vi->password;
}

int64_t
vsphere_input_allocated (struct vsphere_input *vi, int64_t allocated)
{
  if (vi->used > 0 && (uint64_t) allocated > vi->used)
    return (int64_t) vi->used;
  return allocated;
}

uint64_t
vsphere_input_fetched (void *opaque)
{
  struct vsphere_input *vi = opaque;
  struct remote_stats st;

  if (!vi || !vi->src)
    return 0;
  remote_get_stats (vi->src, &st);
  return nbd_stats_total (&vi->stats) + st.bytes_fetched;
}

void
vsphere_input_debug_servers (const struct vsphere_input *vi)
{
  if (vi)
    nbd_stats_debug (&vi->stats);
}

void
vsphere_input_close (struct vsphere_input *vi)
{
  if (!vi)
    return;
  if (vi->src) {
    struct remote_stats st;
    remote_get_stats (vi->src, &st);
    debug ("remote: %" PRIu64 " bytes fetched in %" PRIu64 " requests (%"
           PRIu64 " ms), %" PRIu64 " retries, %" PRIu64 " cache hits",
           st.bytes_fetched, st.requests, st.request_ns / 1000000,
           st.retries, st.cache_hits);
  }

  remote_unref (vi->src);
  vsphere_close (vi->v);
  for (size_t i = 0; vi->args && vi->args[i]; i++)
    free (vi->args[i]);
  free (vi->args);
  for (size_t i = 0; i < vi->stats.len; i++)
    free (vi->stats.ptr[i]);
  string_vector_reset (&vi->stats);
  free (vi);
}
