/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: nbdkit plugin serving one disk through v2kvm's own readers.
 *
 *   nbdkit -r -U SOCK nbdkit-v2kvm-plugin.so file=DISK [format=FMT]
 *          [disk=N|HREF] [referrer=VMX] [allow-external-refs=true]
 *
 * The keys are the blk_open_options (formats/blk.h) of the disk: disk=
 * the disk of an OVA, referrer= the .vmx that names DISK, and
 * allow-external-refs= whether references may leave DISK's (or VMX's)
 * directory (formats/refs.h).
 *
 * This is how the converter lets libguestfs and qemu see a source disk
 * that only v2kvm can read (a VMDK snapshot chain with SEsparse links, a
 * disk inside an OVA, a VHD with a repaired footer): qemu opens a qcow2
 * overlay whose backing file is this NBD export, so every write the guest
 * fixups make lands in the overlay and the source is never written (the
 * plugin is read-only, and the readers open files O_RDONLY).
 *
 * The plugin is a thin adapter (nbdkit docs/nbdkit-plugin.pod): one blk
 * opened at startup, shared by all connections; requests run in parallel
 * because blk pread/extents are thread-safe (formats/blk.h); our extents
 * become NBD block status, so qemu and nbdcopy skip holes too.
 *
 * file=ssh://[USER@]HOST[:PORT]/PATH: the disk is on a host reached over
 * SSH (-it ssh, remote/ssh.h), read through the remote byte source with
 * the agent and ~/.ssh of the environment v2kvm started us in. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include "archive.h"
#include "bfile-remote.h"
#include "blk.h"
#include "error.h"
#include "https.h"
#include "ssh.h"
#include "vector.h"
#include "xalloc.h"

/* remote-*=: the disk is on a vSphere datastore (remote/https.h);
 * file= is then its "/vmfs/volumes/DATASTORE/PATH". */
static struct https_conf remote_conf;
static char *remote_dc;
static char *remote_stats;      /* remote-stats=: bytes fetched, at exit */
static string_vector remote_dsids; /* remote-dsid=ID:NAME, repeated */

static char *disk_path;
static char *disk_format;
static char *disk_member;       /* disk=: the disk of an OVA */
static char *disk_referrer;     /* referrer=: the .vmx naming file= */
static struct blk *disk;
/* The manifest of an OVA is checked by v2kvm, which started us. */
static struct blk_open_options disk_opts = { .verified_elsewhere = true };

static int
remote_config (const char *key, const char *value)
{
  char **field = NULL;

  if (strcmp (key, "password") == 0) {
    free (remote_conf.password);
    return nbdkit_read_password (value, &remote_conf.password);
  }
  if (strcmp (key, "port") == 0)
    return nbdkit_parse_unsigned ("remote-port", value, &remote_conf.port);
  if (strcmp (key, "no-verify") == 0) {
    remote_conf.no_verify = strcmp (value, "1") == 0;
    return 0;
  }
  if (strcmp (key, "dsid") == 0) {
    if (!strchr (value, ':')) {
      nbdkit_error ("remote-dsid=%s: want ID:NAME", value);
      return -1;
    }
    string_vector_append (&remote_dsids, xstrdup (value));
    return 0;
  }
  if (strcmp (key, "host") == 0) field = &remote_conf.host;
  else if (strcmp (key, "scheme") == 0) field = &remote_conf.scheme;
  else if (strcmp (key, "user") == 0) field = &remote_conf.user;
  else if (strcmp (key, "dc") == 0) field = &remote_dc;
  else if (strcmp (key, "stats") == 0) field = &remote_stats;
  if (!field) {
    nbdkit_error ("unknown parameter 'remote-%s'", key);
    return -1;
  }
  free (*field);
  *field = strdup (value);
  return *field ? 0 : -1;
}

/* The disk on the datastore, through the remote byte source. */
static struct blk *
remote_disk (void)
{
  char prefix[512];
  struct remote *r;
  struct bfile *f;
  void *tp;

  if (!remote_conf.scheme || !remote_dc || !remote_conf.port) {
    nbdkit_error ("remote-host needs remote-scheme, remote-port and "
                  "remote-dc");
    return NULL;
  }
  snprintf (prefix, sizeof prefix, "%s://%s", remote_conf.scheme,
            remote_conf.host);
  tp = folder_transport (&remote_conf, remote_dc);
  for (size_t i = 0; i < remote_dsids.len; i++) {
    char *colon = strchr (remote_dsids.ptr[i], ':');
    *colon = '\0';
    folder_map_datastore (tp, remote_dsids.ptr[i], colon + 1);
    *colon = ':';
  }
  r = remote_new (&folder_ops, tp, prefix, NULL);
  f = remote_open (r, disk_path);
  remote_unref (r);             /* the bfile keeps it */
  return f ? blk_open_file (f, &disk_opts) : NULL;
}

static int
v2kvm_config (const char *key, const char *value)
{
  if (strcmp (key, "file") == 0) {
    free (disk_path);
    disk_path = strncmp (value, "ssh://", 6) == 0 ? strdup (value)
      : nbdkit_absolute_path (value);
    return disk_path ? 0 : -1;
  }
  if (strcmp (key, "format") == 0) {
    free (disk_format);
    disk_format = strdup (value);
    disk_opts.format = disk_format;
    return disk_format ? 0 : -1;
  }
  if (strcmp (key, "referrer") == 0) {
    free (disk_referrer);
    disk_referrer = nbdkit_absolute_path (value);
    disk_opts.referrer = disk_referrer;
    return disk_referrer ? 0 : -1;
  }
  if (strcmp (key, "allow-external-refs") == 0) {
    int r = nbdkit_parse_bool (value);
    if (r == -1)
      return -1;
    disk_opts.allow_external_refs = r;
    return 0;
  }
  if (strcmp (key, "disk") == 0) {
    free (disk_member);
    disk_member = strdup (value);
    disk_opts.disk = disk_member;
    return disk_member ? 0 : -1;
  }
  if (strncmp (key, "remote-", 7) == 0)
    return remote_config (key + 7, value);
  nbdkit_error ("unknown parameter '%s'", key);
  return -1;
}

/* file=ssh://...: the disk on the host, through the remote byte source. */
static struct blk *
ssh_disk (void)
{
  struct ssh_url u;
  struct remote *r;
  struct bfile *f;

  if (ssh_url_parse (disk_path, &u) == -1)
    return NULL;
  r = ssh_remote_new (&u, NULL);
  f = remote_open (r, u.path);
  remote_unref (r);             /* the bfile keeps it */
  ssh_url_free (&u);
  return f ? blk_open_file (f, &disk_opts) : NULL;
}

static int
v2kvm_get_ready (void)
{
  if (!disk_path) {
    nbdkit_error ("the file= parameter is required");
    return -1;
  }
  disk = remote_conf.host ? remote_disk ()
    : strncmp (disk_path, "ssh://", 6) == 0 ? ssh_disk ()
    : blk_open (disk_path, &disk_opts);
  if (!disk) {
    nbdkit_error ("%s", get_error ());
    return -1;
  }
  return 0;
}

/* Tell v2kvm how many bytes this process fetched (its progress and
 * result count the whole conversion's network traffic). */
static void
write_stats (void)
{
  struct remote *r = disk ? remote_of_bfile (disk->file) : NULL;
  struct remote_stats st;
  FILE *fp;

  if (!r || !remote_stats || !(fp = fopen (remote_stats, "w")))
    return;
  remote_get_stats (r, &st);
  /* The byte count first (nbd_stats_total reads it), then for -v:
   * requests, retries, cache hits, milliseconds in requests. */
  fprintf (fp, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
           "\n", st.bytes_fetched, st.requests, st.retries, st.cache_hits,
           st.request_ns / 1000000);
  fclose (fp);
}

static void
v2kvm_unload (void)
{
  write_stats ();
  blk_close (disk);
  free (disk_path);
  free (disk_format);
  free (disk_member);
  free (disk_referrer);
  free (remote_conf.host);
  free (remote_conf.scheme);
  free (remote_conf.user);
  free (remote_conf.password);
  free (remote_dc);
  free (remote_stats);
  for (size_t i = 0; i < remote_dsids.len; i++)
    free (remote_dsids.ptr[i]);
  string_vector_reset (&remote_dsids);
}

static void *
v2kvm_open (int readonly)
{
  return disk;                  /* one shared, read-only disk */
}

static int64_t
v2kvm_get_size (void *h)
{
  return (int64_t) disk->size;
}

static int
v2kvm_can_write (void *h)
{
  return 0;
}

static int
v2kvm_can_multi_conn (void *h)
{
  return 1;                     /* read-only: trivially consistent */
}

static int
v2kvm_pread (void *h, void *buf, uint32_t count, uint64_t offset,
             uint32_t flags)
{
  if (blk_pread (disk, buf, count, offset) == -1) {
    nbdkit_error ("%s", get_error ());
    errno = get_errno () ? get_errno () : EIO;
    return -1;
  }
  return 0;
}

static int
v2kvm_extents (void *h, uint32_t count, uint64_t offset, uint32_t flags,
               struct nbdkit_extents *out)
{
  extent_list list = empty_vector;
  int r = 0;

  if (blk_extents (disk, offset, count, &list) == -1) {
    nbdkit_error ("%s", get_error ());
    extent_list_reset (&list);
    return -1;
  }
  for (size_t i = 0; i < list.len && r == 0; ++i) {
    uint32_t type = 0;
    if (list.ptr[i].type == EXT_ZERO)
      type = NBDKIT_EXTENT_ZERO;
    else if (list.ptr[i].type == EXT_HOLE)
      type = NBDKIT_EXTENT_HOLE | NBDKIT_EXTENT_ZERO;
    r = nbdkit_add_extent (out, list.ptr[i].offset, list.ptr[i].length, type);
  }
  extent_list_reset (&list);
  return r;
}

static struct nbdkit_plugin plugin = {
  .name             = "v2kvm",
  .longname         = "v2kvm disk readers (VMDK, VHD, qcow2, raw, ...)",
  .version          = PACKAGE_VERSION,
  .description      = "Serve a VMware/Xen disk image read-only through v2kvm's readers",
  .magic_config_key = "file",
  .config           = v2kvm_config,
  .config_help      = "file=<DISK>  (required) the disk image\n"
                      "format=<FMT> force a format instead of probing\n"
                      "disk=<N|HREF> the disk of an OVA (1-based or File href)\n"
                      "remote-host=, remote-port=, remote-scheme=, remote-dc=, remote-dsid=,\n"
                      "remote-user=, remote-password=-FD, remote-no-verify=1,\n"
                      "remote-stats=FILE (bytes fetched, written at exit)\n"
                      "              file= is on a vSphere datastore",
  .get_ready        = v2kvm_get_ready,
  .unload           = v2kvm_unload,
  .open             = v2kvm_open,
  .get_size         = v2kvm_get_size,
  .can_write        = v2kvm_can_write,
  .can_multi_conn   = v2kvm_can_multi_conn,
  .pread            = v2kvm_pread,
  .extents          = v2kvm_extents,
};

#define THREAD_MODEL NBDKIT_THREAD_MODEL_PARALLEL
NBDKIT_REGISTER_PLUGIN (plugin)
