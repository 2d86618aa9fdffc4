/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the libvirt API calls the outputs need, with libvirt's errors
 * translated into our error store once, here (HACKING.md "Errors and
 * ownership").  This is the only file pair besides the outputs that
 * includes libvirt. */
#ifndef V2K_VIRT_H
#define V2K_VIRT_H

#include <stdbool.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

/* Connect to uri (NULL: qemu:///system), with libvirt's default
 * authentication callback.  NULL + set_error (V2K_ERR_HYPERVISOR) on
 * failure, naming the URI. */
virConnectPtr virt_connect (const char *uri);

/* True if the connection is to this host (no transport or host in the
 * URI), so storage volume paths can be written directly.  Any
 * "+transport" counts as remote, qemu+unix:///system included (the
 * tests use it to exercise the upload route). */
bool virt_is_local (virConnectPtr conn);

/* Look up an active storage pool.  NULL + set_error if it is missing or
 * inactive. */
virStoragePoolPtr virt_pool (virConnectPtr conn, const char *pool);

/* 1 if a volume / domain of that name exists, 0 if not, -1 on error. */
int virt_volume_exists (virStoragePoolPtr pool, const char *name);
int virt_domain_exists (virConnectPtr conn, const char *name);

/* Delete a volume or undefine a (shut-off) domain of that name if it
 * exists (for --replace).  0 or -1. */
int virt_volume_delete (virStoragePoolPtr pool, const char *name);
int virt_domain_undefine (virConnectPtr conn, const char *name);

/* Create a volume of capacity bytes in format ("qcow2" or "raw") with no
 * allocation; returns it (caller virStorageVolFree) or NULL. */
virStorageVolPtr virt_volume_create (virStoragePoolPtr pool, const char *name,
                                     uint64_t capacity, const char *format);

/* Upload the local file at path into vol through a libvirt stream
 * (works over remote connections), sending holes as holes.  0 or -1. */
int virt_volume_upload (virConnectPtr conn, virStorageVolPtr vol,
                        const char *path);

/* Define a persistent domain from xml.  0 or -1. */
int virt_define (virConnectPtr conn, const char *xml);

/* --replace: undefine the domain called name if there is one (it must
 * not be running), define xml; if that fails, define the old XML again
 * so the old domain is not lost.  0 or -1 (the define's error). */
int virt_replace_domain (virConnectPtr conn, const char *name,
                         const char *xml);

#endif /* V2K_VIRT_H */
