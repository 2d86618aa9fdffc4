/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: files on a host reached over SSH (-it ssh), as a remote byte
 * source (formats/bfile-remote.h) whose transport is libssh.
 *
 * One connection of the source is one SSH session with one SFTP channel;
 * the remote layer keeps several (parallel reads) and retries transient
 * failures on a new one.  Files are read over SFTP with several read
 * requests in flight; a file's holes come from a SEEK_DATA walk run on
 * the host over an exec channel (ssh.c ssh_map_op) and are not read.  A block device (phy:/dev/..., an LV) reports size
 * 0 to stat: its size comes from `blockdev --getsize64` run over an exec
 * channel, checked (a decimal number, a multiple of 512, not 0), and it
 * is read over SFTP like a file.
 *
 * Authentication is ssh's: the agent (SSH_AUTH_SOCK), then the default
 * keys in ~/.ssh (~ is $HOME when set, as in the shell).  The host key
 * must be in ~/.ssh/known_hosts (or the system's ssh_known_hosts): an
 * unknown or changed key is refused with one line giving its SHA-256
 * fingerprint; there is no prompt and nothing is accepted silently.
 * Errors: connection refused/unreachable, host key, authentication:
 * kind V2K_ERR_HYPERVISOR (exit 8); a missing file ENOENT, a file the
 * login may not read EACCES (exit 3).
 */
#ifndef V2K_REMOTE_SSH_H
#define V2K_REMOTE_SSH_H

#include <stdbool.h>

#include "bfile-remote.h"

/* ssh://[USER@]HOST[:PORT]/PATH.  PATH is absolute on the host. */
struct ssh_url {
  char *user;                   /* NULL: the local user name (or ssh
                                   config's User) */
  char *host;
  unsigned port;                /* 0: 22 (or ssh config's Port) */
  char *path;                   /* "/vmfs/volumes/ds/g/g.vmx" */
};

/* Parse url: 0, or -1 + set_error (kind V2K_ERR_USAGE). */
int ssh_url_parse (const char *url, struct ssh_url *u);
void ssh_url_free (struct ssh_url *u);

/* "ssh://[USER@]HOST[:PORT]" (no path), for messages and bfile names. */
char *ssh_url_prefix (const struct ssh_url *u);

/* A remote source on u's host (u is copied).  Connects once to check the
 * host key and the login before returning: NULL + set_error on failure.
 * params may be NULL. */
struct remote *ssh_remote_new (const struct ssh_url *u,
                               const struct remote_params *params);

#endif /* V2K_REMOTE_SSH_H */
