/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: -it ssh: a guest whose configuration and disks are files on a
 * host reached over SSH (remote/ssh.h).  The configuration is read over
 * SFTP and parsed by the usual reader; every disk it names is opened on
 * the same host through the same remote source (one pool of SSH
 * sessions, one cache, one byte counter), with the usual disk readers
 * (VMDK chains with their snapshot deltas, block devices, ...). */
#ifndef V2K_SSH_INPUT_H
#define V2K_SSH_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "blk.h"
#include "guest.h"

struct ssh_input;

/* Whether -it ssh reads -i type: vmx, xl, xm, libvirtxml.  Archives
 * (ova, ovf's directory, xva) are not: their manifest or block
 * checksums are read whole anyway, so fetching the archive first
 * (scp) costs the same bytes, and v2kvm would need a scratch copy of
 * it.  SSH_INPUT_TYPES_MSG says so in one line, for the commands'
 * usage errors. */
bool ssh_input_type_ok (const char *type);
#define SSH_INPUT_TYPES_MSG "-it ssh is for -i vmx, xl, xm or libvirtxml; " \
  "copy an OVA, OVF or XVA from the host first (scp; its checksums " \
  "cover all of it anyway) and convert the local copy"

/* Read the configuration at url (ssh://[USER@]HOST[:PORT]/PATH) with the
 * config reader reader ("vmx", "xl", "libvirt-xml"; NULL probes).  0
 * with *si and *g (disk paths are paths on the host), or -1 +
 * set_error. */
int ssh_input_open (const char *reader, const char *url,
                    struct ssh_input **si, struct guest **g);

/* Open the disk at path on the host with opts (blk.h; NULL: probe).
 * NULL + set_error. */
struct blk_open_options;
struct blk *ssh_input_open_disk (struct ssh_input *si, const char *path,
                                 const struct blk_open_options *opts);

/* The URL of path on the host, for nbdkit's plugin (caller frees). */
char *ssh_input_url (const struct ssh_input *si, const char *path);

/* What nbd_serve needs for a disk of si served from scratch dir dir: a
 * file the server writes its byte count to (ssh_input_fetched adds
 * it). */
struct nbd_remote;
void ssh_input_nbd (struct ssh_input *si, const char *dir,
                    struct nbd_remote *out);

/* Payload bytes received so far, by this process and the NBD servers
 * that have stopped (for the network rate and the result). */
uint64_t ssh_input_fetched (void *si);

/* Close; NULL-safe. */
void ssh_input_close (struct ssh_input *si);

/* For -v, after the NBD servers stopped: what each fetched (the
 * fixups' reads), nbd_stats_debug. */
void ssh_input_debug_servers (const struct ssh_input *si);

#endif /* V2K_SSH_INPUT_H */
