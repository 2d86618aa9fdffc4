/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: -o libvirt: disks as volumes of a storage pool (-os, default
 * "default") and a persistent domain, through the libvirt API (-oc URI,
 * default qemu:///system).
 *
 * For a directory pool on this host the copy writes the volume file in
 * the pool's directory itself (one pass, no upload) and the pool is
 * refreshed; for any other pool, or a remote URI (qemu+ssh://...), the
 * volumes are created in prepare() and the converted disks are uploaded
 * with virStorageVolUpload as sparse streams from a scratch file.  An
 * existing domain or volume of the same name is an error unless
 * --replace.  With --replace a running domain is refused in prepare();
 * an old volume is replaced only when its new disk is complete (renamed
 * over it in the pool directory, or deleted and re-created just before
 * the upload in finalize), so a run that fails before copying leaves
 * the old guest whole; the old domain is undefined last, and defined
 * again if libvirt rejects the new XML.  abort() removes only volumes
 * and files this run created.
 *
 * Tested against a real daemon in tests/test-output-libvirt.sh (both
 * routes: qemu+unix:///system counts as remote) and booted in
 * tests/test-output-libvirt-boot.sh. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "cleanup.h"
#include "error.h"
#include "output.h"
#include "virt.h"
#include "xalloc.h"

struct lv {
  virConnectPtr conn;
  virStoragePoolPtr pool;
  bool direct;                  /* write files into the pool directory */
  char *scratch;                /* upload route: scratch directory */
  bool *created;                /* upload route: volumes this run created */
  bool *recreate;               /* upload route: --replace of an existing
                                   volume, deleted only in finalize */
};

/* Read /pool/@type and /pool/target/path from the pool's XML. */
static int
pool_type_and_path (virStoragePoolPtr pool, char **type, char **path)
{
  CLEANUP_FREE char *xml = virStoragePoolGetXMLDesc (pool, 0);
  xmlDocPtr doc;
  xmlXPathContextPtr ctx;
  xmlXPathObjectPtr obj;

  *type = *path = NULL;
  if (!xml)
    return -1;
  doc = xmlReadMemory (xml, strlen (xml), "pool.xml", NULL, XML_PARSE_NONET);
  if (!doc)
    return -1;
  ctx = xmlXPathNewContext (doc);
  obj = xmlXPathEvalExpression (BAD_CAST "string(/pool/@type)", ctx);
  if (obj && obj->stringval)
    *type = xstrdup ((const char *) obj->stringval);
  xmlXPathFreeObject (obj);
  obj = xmlXPathEvalExpression (BAD_CAST "string(/pool/target/path)", ctx);
  if (obj && obj->stringval && obj->stringval[0])
    *path = xstrdup ((const char *) obj->stringval);
  xmlXPathFreeObject (obj);
  xmlXPathFreeContext (ctx);
  xmlFreeDoc (doc);
  return 0;
}

static int
check_names (struct lv *lv, const char *guest_name, size_t n,
             struct output_target *t, bool replace)
{
  virDomainPtr dom = virDomainLookupByName (lv->conn, guest_name);

  if (dom) {
    int active = virDomainIsActive (dom);
    virDomainFree (dom);
    if (!replace) {
      set_error (EEXIST, "a libvirt domain called '%s' already exists (use "
                 "--replace, or -on NAME)", guest_name);
      error_set_kind (V2K_ERR_OUTPUT);
      return -1;
    }
    /* Checked now, before its disks are overwritten. */
    if (active == 1) {
      set_error (EBUSY, "domain '%s' is running; shut it down before "
                 "replacing it", guest_name);
      error_set_kind (V2K_ERR_OUTPUT);
      return -1;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (!replace && virt_volume_exists (lv->pool, t[i].name) == 1) {
      set_error (EEXIST, "volume '%s' already exists in the pool (use "
                 "--replace)", t[i].name);
      error_set_kind (V2K_ERR_OUTPUT);
      return -1;
    }
  }
  return 0;
}

static int
check_space (struct lv *lv, const char *pool_name, uint64_t bytes)
{
  virStoragePoolInfo info;

  if (virStoragePoolGetInfo (lv->pool, &info) == 0 && info.available < bytes) {
    set_error (ENOSPC, "not enough space in storage pool '%s': the "
               "converted disks need about %" PRIu64 " MiB, %llu MiB are "
               "free", pool_name, bytes >> 20, info.available >> 20);
    error_set_kind (V2K_ERR_OUTPUT);
    return -1;
  }
  return 0;
}

/* Upload route: create the volume now so its path is known for the XML.
 * With --replace an existing volume is kept until finalize (a failed
 * run must not destroy it): its path is the one the new volume of the
 * same name will have. */
static int
create_volume (struct lv *lv, size_t i, struct output_target *t, bool replace)
{
  virStorageVolPtr vol = NULL;

  if (replace)
    vol = virStorageVolLookupByName (lv->pool, t->name);
  if (vol)
    lv->recreate[i] = true;
  else {
    vol = virt_volume_create (lv->pool, t->name, t->size, t->format);
    if (!vol)
      return -1;
    lv->created[i] = true;
  }
  t->domain_path = virStorageVolGetPath (vol);
  virStorageVolFree (vol);
  if (!t->domain_path) {
    set_error (EIO, "cannot get the path of volume '%s'", t->name);
    error_set_kind (V2K_ERR_HYPERVISOR);
    return -1;
  }
  t->path = xasprintf ("%s/%s", lv->scratch, t->name);
  return 0;
}

/* Upload route, finalize: replace the old volume now (same name), then
 * upload the converted disk into it. */
static int
upload_volume (struct lv *lv, size_t i, struct output_target *t)
{
  virStorageVolPtr vol;
  int r;

  if (lv->recreate[i]) {
    if (virt_volume_delete (lv->pool, t->name) == -1)
      return -1;
    lv->recreate[i] = false;
    vol = virt_volume_create (lv->pool, t->name, t->size, t->format);
    if (!vol)
      return -1;
    lv->created[i] = true;
  }
  else {
    vol = virStorageVolLookupByName (lv->pool, t->name);
    if (!vol) {
      set_error (EIO, "volume '%s' vanished before the upload", t->name);
      error_set_kind (V2K_ERR_HYPERVISOR);
      return -1;
    }
  }
  r = virt_volume_upload (lv->conn, vol, t->path);
  virStorageVolFree (vol);
  unlink (t->path);
  return r;
}

static int
libvirt_prepare (struct output *o, const char *guest_name, size_t n,
                 struct output_target *t, uint64_t estimated)
{
  const char *pool_name = o->opts.storage ? o->opts.storage : "default";
  CLEANUP_FREE char *type = NULL, *dir = NULL;
  struct lv *lv = xzalloc (sizeof *lv);

  o->priv = lv;
  lv->created = xzalloc ((n + 1) * sizeof *lv->created);
  lv->recreate = xzalloc ((n + 1) * sizeof *lv->recreate);
  lv->conn = virt_connect (o->opts.uri);
  if (!lv->conn)
    return -1;
  lv->pool = virt_pool (lv->conn, pool_name);
  if (!lv->pool)
    return -1;
  for (size_t i = 0; i < n; ++i) {
    t[i].name = output_target_name (guest_name, i);
    t[i].format = o->opts.format;
  }
  if (check_names (lv, guest_name, n, t, o->opts.replace) == -1 ||
      check_space (lv, pool_name, estimated) == -1)
    return -1;
  pool_type_and_path (lv->pool, &type, &dir);
  lv->direct = virt_is_local (lv->conn) && type && dir &&
    (strcmp (type, "dir") == 0 || strcmp (type, "fs") == 0 ||
     strcmp (type, "netfs") == 0) && access (dir, W_OK) == 0;
  if (lv->direct) {
    for (size_t i = 0; i < n; ++i) {
      t[i].path = xasprintf ("%s/%s", dir, t[i].name);
      t[i].domain_path = xstrdup (t[i].path);
      output_note_existing (&t[i]);
    }
    return 0;
  }
  lv->scratch = xstrdup ("/var/tmp/v2kvm-upload.XXXXXX");
  if (!mkdtemp (lv->scratch)) {
    set_error_errno ("cannot create a scratch directory for the upload");
    error_set_kind (V2K_ERR_OUTPUT);
    return -1;
  }
  if (output_check_dir (lv->scratch, estimated) == -1)
    return -1;
  for (size_t i = 0; i < n; ++i)
    if (create_volume (lv, i, &t[i], o->opts.replace) == -1)
      return -1;
  return 0;
}

static int
libvirt_finalize (struct output *o, const char *guest_name, size_t n,
                  struct output_target *t, const char *xml, const char *script)
{
  struct lv *lv = o->priv;

  for (size_t i = 0; i < n; ++i) {
    if (!lv->direct) {
      if (upload_volume (lv, i, &t[i]) == -1)
        return -1;
      continue;
    }
    virStoragePoolRefresh (lv->pool, 0);
    if (virt_volume_exists (lv->pool, t[i].name) != 1) {
      set_error (EIO, "volume '%s' did not appear in the pool after the "
                 "copy", t[i].name);
      error_set_kind (V2K_ERR_HYPERVISOR);
      return -1;
    }
  }
  if (o->opts.replace)
    return virt_replace_domain (lv->conn, guest_name, xml);
  return virt_define (lv->conn, xml);
}

static void
libvirt_abort (struct output *o, size_t n, struct output_target *t)
{
  struct lv *lv = o->priv;

  if (!lv)
    return;
  for (size_t i = 0; i < n; ++i) {
    if (lv->direct)
      output_remove_written (&t[i]);
    else {
      if (lv->created && lv->created[i] && lv->pool)
        virt_volume_delete (lv->pool, t[i].name);
      if (t[i].path)
        unlink (t[i].path);
    }
  }
  if (lv->pool)
    virStoragePoolRefresh (lv->pool, 0);
}

static void
libvirt_close (struct output *o)
{
  struct lv *lv = o->priv;

  if (!lv)
    return;
  if (lv->scratch) {
    rmdir (lv->scratch);
    free (lv->scratch);
  }
  if (lv->pool)
    virStoragePoolFree (lv->pool);
  free (lv->created);
  free (lv->recreate);
  if (lv->conn)
    virConnectClose (lv->conn);
  free (lv);
  o->priv = NULL;
}

const struct output_driver libvirt_output = {
  .name     = "libvirt",
  .prepare  = libvirt_prepare,
  .finalize = libvirt_finalize,
  .abort    = libvirt_abort,
  .close    = libvirt_close,
};
