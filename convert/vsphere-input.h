/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `-ic esx://...` / `vpx://...` for convert (remote/vsphere.h):
 * log in, find the guest, refuse it unless powered off, read its .vmx
 * through the datastore, and open its disks as remote byte sources, so
 * the rest of the pipeline reads them as it reads local files. */
#ifndef V2K_VSPHERE_INPUT_H
#define V2K_VSPHERE_INPUT_H

#include <stdint.h>

#include "blk.h"
#include "guest.h"
#include "nbd.h"

struct vsphere_input;

/* Log in to uri (password from password_file, or a TTY prompt), find
 * the VM called name, check it is powered off before reading anything,
 * and read its guest record.  0 and *vi, *g, or -1 + set_error (every
 * failure logs out). */
int vsphere_input_open (const char *uri, const char *password_file,
                        const char *name, struct vsphere_input **vi,
                        struct guest **g);

/* Open a disk of the guest record (its path, "/vmfs/volumes/...")
 * through the remote byte source, with opts (blk.h; NULL: probe). */
struct blk_open_options;
struct blk *vsphere_input_open_disk (struct vsphere_input *vi,
                                     const char *path,
                                     const struct blk_open_options *opts);

/* What nbd_serve needs to read the same disks in its own process; the
 * server's byte count goes to a file in dir. */
void vsphere_input_nbd (struct vsphere_input *vi, const char *dir,
                        struct nbd_remote *out);

/* A disk's allocation as the room check should count it: HTTP reads
 * show no holes (a thin disk looks fully allocated), so at most what
 * the whole VM uses on its datastores (summary.storage.committed). */
int64_t vsphere_input_allocated (struct vsphere_input *vi,
                                 int64_t allocated);

/* Bytes fetched from the server so far by this process and by the NBD
 * servers that have stopped (a counter for report_set_network). */
uint64_t vsphere_input_fetched (void *vi);

/* Log out and free; NULL-safe; keeps the current error. */
/* -v: each NBD server's request counts and time (its stats file),
 * once the servers are stopped. */
void vsphere_input_debug_servers (const struct vsphere_input *vi);

void vsphere_input_close (struct vsphere_input *vi);

#endif /* V2K_VSPHERE_INPUT_H */
