/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: serve a source disk read-only over NBD through our readers
 * (nbdkit + nbdkit-v2kvm-plugin.so, see nbdkit-plugin.c). */
#ifndef V2K_NBD_H
#define V2K_NBD_H

#include <stdint.h>
#include <sys/types.h>

#include "vector.h"

struct nbd_server {
  pid_t pid;                    /* nbdkit */
  char *socket;                 /* Unix socket path */
  char *pidfile;                /* written by nbdkit once it listens */
  char *uri;                    /* "nbd+unix:///?socket=..." */
  char *qemu_uri;               /* for qemu-img -b: "nbd:unix:SOCK" */
};

/* A disk on a remote server (vsphere-input.h): words for the plugin,
 * and the password, which reaches nbdkit on a pipe (never argv). */
struct nbd_remote {
  const char *const *args;      /* NULL-terminated "key=value" */
  const char *password;         /* or NULL */
  const char *stats;            /* file nbdkit writes its bytes fetched
                                   to when it stops, or NULL */
};

/* Start nbdkit serving disk, opened with opts (blk.h: format, disk (the
 * disk of an OVA, by File href or number), allow_external_refs,
 * referrer; the rest is ignored) on a Unix socket in dir; returns when
 * the socket accepts connections.  An OVA's manifest is not checked by
 * the server: the caller checks it.  nbdkit exits with this process
 * (--exit-with-parent) even if v2kvm is killed.  remote: disk is a path
 * on that server (NULL for a local disk).
 * NULL + set_error (kind V2K_ERR_HYPERVISOR) on failure. */
struct blk_open_options;
struct nbd_server *nbd_serve (const char *disk,
                              const struct blk_open_options *opts,
                              const char *dir,
                              const struct nbd_remote *remote);

/* Sum of the byte counts the servers wrote to the files named in stats
 * (nbd_remote.stats; a file not written yet counts 0). */
uint64_t nbd_stats_total (const string_vector *stats);

/* For -v: each server's line (bytes, requests, retries, cache hits,
 * milliseconds in requests) as a debug message.  Call after
 * nbd_stop. */
void nbd_stats_debug (const string_vector *stats);

/* Stop the server and free it; NULL-safe. */
void nbd_stop (struct nbd_server *s);

/* Path of nbdkit-v2kvm-plugin.so: $V2KVM_NBDKIT_PLUGIN, else next to the
 * running executable (build tree), else the installed pkglibdir. */
char *nbd_plugin_path (void);

#endif /* V2K_NBD_H */
