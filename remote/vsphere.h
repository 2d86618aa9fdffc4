/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the vSphere API (SOAP over HTTPS, libxml2 + libcurl) for the
 * esx:// and vpx:// inputs.
 *
 *   esx://[USER@]HOST[:PORT]/[?no_verify=1]
 *   vpx://[USER@]VCENTER[:PORT]/DATACENTER[/CLUSTER]/HOST[?no_verify=1]
 *
 * (virt-v2v's -ic spelling; USER defaults to root and may be
 * percent-encoded, "administrator%40vsphere.local").  What this needs of
 * the API is small: RetrieveServiceContent, Login/Logout on the
 * SessionManager, a ContainerView of the datacenter's VMs read with
 * RetrievePropertiesEx (name, power state, guest OS, firmware, devices,
 * config.files.vmPathName, committed storage).  The guest record itself
 * comes from the .vmx, fetched through the datastore /folder endpoint and
 * read by our own vmx reader, as libvirt's esx driver does, so it is the
 * same as for a local copy of the guest's directory.
 *
 * Secrets: the password is read from the first line of a file (-ip) or
 * asked on the terminal when stdin is a TTY; it is never printed.
 */
#ifndef V2K_VSPHERE_H
#define V2K_VSPHERE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bfile-remote.h"
#include "guest.h"

/* True if s is an esx:// or vpx:// URI. */
bool vsphere_is_uri (const char *s);

/* used: the bytes of the disk's files on the datastore, every level of
 * its snapshot chain (layoutEx.disk's chain of file keys summed over
 * layoutEx.file's sizes); VSPHERE_UNKNOWN if the server did not say. */
#define VSPHERE_UNKNOWN UINT64_MAX
struct vsphere_disk {
  uint64_t capacity;            /* provisioned bytes */
  uint64_t used;                /* see above */
  long key;                     /* its device key */
  char *file;                   /* "[ds] dir/x.vmdk", or NULL */
};

struct vsphere_nic {
  char *model;                  /* "vmxnet3", "e1000e", ... */
  char *mac;
  char *network;                /* port group, or NULL */
};

struct vsphere_vm {
  char *name;
  char *power;                  /* poweredOn, poweredOff, suspended */
  char *guest_id;               /* config.guestId, or NULL */
  char *guest_name;             /* config.guestFullName, or NULL */
  char *firmware;               /* bios / efi, or NULL */
  char *vmx;                    /* config.files.vmPathName, or NULL */
  uint64_t used;                /* summary.storage.committed bytes: every
                                 * file of the VM, not only disks */
  struct vsphere_disk *disks;
  size_t ndisks;
  struct vsphere_nic *nics;
  size_t nnics;
};

struct vsphere;

/* Connect to uri and log in.  password_file: -ip FILE (NULL: ask on a
 * TTY, else fail).  NULL + set_error: a bad URI (usage), host
 * unreachable, untrusted certificate (hypervisor, exit 8), wrong
 * password (EACCES). */
struct vsphere *vsphere_open (const char *uri, const char *password_file);

/* Every VM of the datacenter, sorted by name.  0, or -1 + set_error. */
int vsphere_list (struct vsphere *v, struct vsphere_vm **vms, size_t *n);

/* The VM called exactly name: 0 and *out (free with
 * vsphere_vm_free_fields), or -1 + set_error ENOENT listing up to five
 * close names. */
int vsphere_find (struct vsphere *v, const char *name,
                  struct vsphere_vm *out);

/* Refuse a VM that is not powered off (exit 7, one line). */
int vsphere_check_off (struct vsphere *v, const struct vsphere_vm *vm);

/* The guest record of vm: its .vmx through the datastore, read by the
 * vmx reader, with disk paths "/vmfs/volumes/DATASTORE/...".  *src gets
 * the remote source the disks are read from (remote_open on a disk's
 * path; the caller drops it with remote_unref).  0, or -1 + set_error. */
int vsphere_read_guest (struct vsphere *v, const struct vsphere_vm *vm,
                        struct guest **g, struct remote **src);

/* A new remote source over the datastores of v's datacenter. */
struct remote *vsphere_datastores (struct vsphere *v);

/* "esx://user@host:port" for messages. */
const char *vsphere_display (const struct vsphere *v);

/* What a child process (the NBD server) needs to read the same
 * datastores: key=value words for nbdkit-v2kvm-plugin.so (no password:
 * it goes through *password, to be passed on a pipe).  NULL-terminated,
 * free each and the array. */
char **vsphere_plugin_args (const struct vsphere *v, const char **password);

/* Log out (also after a failure) and free; NULL-safe.  Never fails. */
void vsphere_close (struct vsphere *v);

void vsphere_vm_free_fields (struct vsphere_vm *vm);
void vsphere_vms_free (struct vsphere_vm *vms, size_t n);

#endif /* V2K_VSPHERE_H */
