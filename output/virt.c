/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: libvirt helpers for the outputs (see virt.h).
 * API reference: libvirt.org/html/libvirt-libvirt-storage.html and
 * libvirt-libvirt-stream.html (virStreamSparseSendAll). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "cleanup.h"
#include "error.h"
#include "virt.h"
#include "xalloc.h"

/* Record libvirt's last error as ours, with our context first. */
static void __attribute__((format (printf, 1, 2)))
virt_error (const char *fmt, ...)
{
  char ctx[512];
  va_list ap;
  const char *msg = virGetLastErrorMessage ();

  va_start (ap, fmt);
  vsnprintf (ctx, sizeof ctx, fmt, ap);
  va_end (ap);
  set_error (EIO, "%s: %s", ctx, msg ? msg : "unknown libvirt error");
  error_set_kind (V2K_ERR_HYPERVISOR);
}

/* libvirt prints errors itself unless a handler is set. */
static void
quiet_handler (void *opaque, virErrorPtr err)
{
}

virConnectPtr
virt_connect (const char *uri)
{
  virConnectPtr conn;

  virSetErrorFunc (NULL, quiet_handler);
  if (!uri)
    uri = "qemu:///system";
  /* The default auth callback can ask for an SSH password or a polkit
   * answer on the terminal (remote URIs). */
  conn = virConnectOpenAuth (uri, virConnectAuthPtrDefault, 0);
  if (!conn)
    virt_error ("cannot connect to libvirt at '%s'", uri);
  return conn;
}

bool
virt_is_local (virConnectPtr conn)
{
  CLEANUP_FREE char *uri = virConnectGetURI (conn);

  /* "driver:///path" is local; "driver+transport://host/..." is not. */
  return uri && strstr (uri, ":///") != NULL && strchr (uri, '+') == NULL;
}

virStoragePoolPtr
virt_pool (virConnectPtr conn, const char *name)
{
  virStoragePoolPtr pool = virStoragePoolLookupByName (conn, name);

  if (!pool) {
    virt_error ("storage pool '%s' not found (create it, or choose one "
                "with -os)", name);
    return NULL;
  }
  if (virStoragePoolIsActive (pool) != 1) {
    set_error (EIO, "storage pool '%s' is not active (virsh pool-start %s)",
               name, name);
    error_set_kind (V2K_ERR_HYPERVISOR);
    virStoragePoolFree (pool);
    return NULL;
  }
  return pool;
}

int
virt_volume_exists (virStoragePoolPtr pool, const char *name)
{
  virStorageVolPtr vol;

  virStoragePoolRefresh (pool, 0);
  vol = virStorageVolLookupByName (pool, name);
  if (vol) {
    virStorageVolFree (vol);
    return 1;
  }
  return 0;
}

int
virt_domain_exists (virConnectPtr conn, const char *name)
{
  virDomainPtr dom = virDomainLookupByName (conn, name);

  if (dom) {
    virDomainFree (dom);
    return 1;
  }
  return 0;
}

int
virt_volume_delete (virStoragePoolPtr pool, const char *name)
{
  virStorageVolPtr vol = virStorageVolLookupByName (pool, name);
  int r = 0;

  if (!vol)
    return 0;
  if (virStorageVolDelete (vol, 0) == -1) {
    virt_error ("cannot delete existing volume '%s'", name);
    r = -1;
  }
  virStorageVolFree (vol);
  return r;
}

int
virt_domain_undefine (virConnectPtr conn, const char *name)
{
  virDomainPtr dom = virDomainLookupByName (conn, name);
  int r = 0;

  if (!dom)
    return 0;
  if (virDomainIsActive (dom) == 1) {
    set_error (EBUSY, "domain '%s' exists and is running; stop it before "
               "replacing it", name);
    error_set_kind (V2K_ERR_OUTPUT);
    r = -1;
  }
  else if (virDomainUndefineFlags (dom, VIR_DOMAIN_UNDEFINE_NVRAM) == -1 &&
           virDomainUndefine (dom) == -1) {
    virt_error ("cannot undefine existing domain '%s'", name);
    r = -1;
  }
  virDomainFree (dom);
  return r;
}

virStorageVolPtr
virt_volume_create (virStoragePoolPtr pool, const char *name,
                    uint64_t capacity, const char *format)
{
  CLEANUP_FREE char *xml = xasprintf (
    "<volume>\n"
    "  <name>%s</name>\n"
    "  <capacity unit='bytes'>%llu</capacity>\n"
    "  <allocation unit='bytes'>0</allocation>\n"
    "  <target><format type='%s'/></target>\n"
    "</volume>\n", name, (unsigned long long) capacity, format);
  virStorageVolPtr vol = virStorageVolCreateXML (pool, xml, 0);

  if (!vol)
    virt_error ("cannot create volume '%s'", name);
  return vol;
}

/* Stream callbacks for virStreamSparseSendAll over a local file. */
struct upload { int fd; off_t pos; };

static int
up_read (virStreamPtr st, char *buf, size_t len, void *opaque)
{
  struct upload *u = opaque;
  ssize_t r = pread (u->fd, buf, len, u->pos);

  if (r > 0)
    u->pos += r;
  return (int) r;
}

static int
up_hole (virStreamPtr st, int *in_data, long long *length, void *opaque)
{
  struct upload *u = opaque;
  off_t end = lseek (u->fd, 0, SEEK_END);
  off_t next;

  if (u->pos >= end) {
    *in_data = 0;
    *length = 0;
    return 0;
  }
  next = lseek (u->fd, u->pos, SEEK_HOLE);
  if (next == -1)
    next = end;
  if (next > u->pos) {
    *in_data = 1;
    *length = next - u->pos;
    return 0;
  }
  next = lseek (u->fd, u->pos, SEEK_DATA);
  if (next == -1)
    next = end;
  *in_data = 0;
  *length = next - u->pos;
  return 0;
}

static int
up_skip (virStreamPtr st, long long length, void *opaque)
{
  struct upload *u = opaque;
  u->pos += length;
  return 0;
}

int
virt_volume_upload (virConnectPtr conn, virStorageVolPtr vol,
                    const char *path)
{
  struct upload u = { .fd = open (path, O_RDONLY | O_CLOEXEC), .pos = 0 };
  virStreamPtr st = NULL;
  off_t size;
  int r = -1;

  if (u.fd == -1) {
    set_error_errno ("cannot open '%s'", path);
    return -1;
  }
  size = lseek (u.fd, 0, SEEK_END);
  st = virStreamNew (conn, 0);
  if (!st || virStorageVolUpload (vol, st, 0, (unsigned long long) size,
                                  VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM) == -1) {
    virt_error ("cannot start uploading '%s'", path);
    goto out;
  }
  if (virStreamSparseSendAll (st, up_read, up_hole, up_skip, &u) == -1) {
    virt_error ("cannot upload '%s'", path);
    virStreamAbort (st);
    goto out;
  }
  if (virStreamFinish (st) == -1) {
    virt_error ("cannot finish uploading '%s'", path);
    goto out;
  }
  r = 0;
 out:
  if (st)
    virStreamFree (st);
  close (u.fd);
  return r;
}

int
virt_define (virConnectPtr conn, const char *xml)
{
  virDomainPtr dom = virDomainDefineXML (conn, xml);

  if (!dom) {
    virt_error ("cannot define the domain");
    return -1;
  }
  virDomainFree (dom);
  return 0;
}

int
virt_replace_domain (virConnectPtr conn, const char *name, const char *xml)
{
  virDomainPtr dom = virDomainLookupByName (conn, name);
  char *old;

  if (!dom)
    return virt_define (conn, xml);
  old = virDomainGetXMLDesc (dom, VIR_DOMAIN_XML_INACTIVE |
                             VIR_DOMAIN_XML_SECURE);
  virDomainFree (dom);
  if (virt_domain_undefine (conn, name) == -1) {
    free (old);
    return -1;
  }
  if (virt_define (conn, xml) == 0) {
    free (old);
    return 0;
  }
  /* Put the old definition back (best effort); the error stays the
   * define's. */
  if (old && (dom = virDomainDefineXML (conn, old)))
    virDomainFree (dom);
  free (old);
  return -1;
}
