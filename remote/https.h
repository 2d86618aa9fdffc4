/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: HTTPS with libcurl, and the vSphere datastore file transport.
 *
 * ESXi and vCenter serve the files of a datastore at
 *   https://HOST[:PORT]/folder/PATH?dcPath=DATACENTER&dsName=DATASTORE
 * with Range support (the endpoint virt-v2v's vCenter input and Proxmox's
 * ESXi importer read).  folder_transport() turns that into the transport
 * of a remote byte source (formats/bfile-remote.h), naming files as ESXi
 * does, "/vmfs/volumes/DATASTORE/PATH", so the .vmx reader resolves disk
 * names against the .vmx's directory exactly as for a local copy.
 *
 * TLS: verified against the system CA store (or the file named by the
 * SSL_CERT_FILE environment variable, as OpenSSL's tools do) unless
 * no_verify; an untrusted certificate is refused with one line giving its
 * SHA-256 fingerprint (kind V2K_ERR_HYPERVISOR, exit 8).  The password
 * goes to libcurl only; messages name user@host, never the password.
 */
#ifndef V2K_HTTPS_H
#define V2K_HTTPS_H

#include <stdbool.h>

#include <curl/curl.h>

#include "bfile-remote.h"

struct https_conf {
  char *scheme;                 /* "esx", "vpx": for messages */
  char *host;                   /* name or address ("[::1]" for IPv6) */
  unsigned port;                /* 443 unless given */
  bool no_verify;               /* ?no_verify=1 */
  char *user;                   /* NULL: no HTTP authentication */
  char *password;
  bool plain_http;              /* http://, no TLS: only fuzz/fuzz-http.c
                                 * sets it (never a URI) */
};

/* Deep copy / free. */
struct https_conf *https_conf_copy (const struct https_conf *c);
void https_conf_free (struct https_conf *c);

/* "https://HOST:PORT" (new string; "http://" if plain_http). */
char *https_base_url (const struct https_conf *c);

/* No easy handle serves two requests.  libcurl keeps a connection open
 * between the requests of one handle, but the libcurl of Debian 12
 * (7.88.1) also keeps a pointer to the previous answer's last header
 * after freeing it (state.prevhead, cleared only from curl 8.1.0: curl
 * pull request #11103): when the next answer's first header line starts
 * with a space (a folded line), libcurl reads and reallocates the freed
 * header.  A server can send that on purpose (docs/fuzzing.md).  So each
 * request gets a new handle, and what should outlive one request, the
 * open connection (with its TLS session), the DNS answer and, if asked,
 * the cookies, lives in a share object (libcurl's CURLSH) that the
 * handles of one client use in turn.
 *
 * https_share: a new share; with cookies, the handles using it keep and
 * send the server's cookies (a vSphere API session).  Used by one thread
 * at a time (no locking).  NULL + set_error.  Free with
 * curl_share_cleanup once no handle uses it. */
CURLSH *https_share (bool cookies);

/* A new easy handle for one request, with the connection settings of c
 * (TLS, timeouts, keep-alive, basic authentication if c->user) and, if
 * share is not NULL, the connections and cookies of share.  NULL +
 * set_error.  Free with curl_easy_cleanup after the request. */
CURL *https_handle (const struct https_conf *c, CURLSH *share);

/* Turn a failed transfer (rc != CURLE_OK) into set_error and a remote
 * return code: REMOTE_TRANSIENT for what a retry may cure (reset,
 * timeout, refused), REMOTE_FAILED otherwise; an untrusted certificate
 * gets its fingerprint fetched and kind V2K_ERR_HYPERVISOR. */
int https_curl_error (const struct https_conf *c, CURLcode rc,
                      const char *errbuf);

/* The transport of a remote byte source over the /folder endpoint of
 * datacenter dc (copied, as is c).  Its paths are
 * "/vmfs/volumes/DATASTORE/PATH"; siblings may be anywhere under
 * /vmfs/volumes/ but never use "..". */
extern const struct remote_ops folder_ops;
void *folder_transport (const struct https_conf *c, const char *dc);

/* Datastores are also named by an id: ESXi's .vmx files and descriptors
 * may say "/vmfs/volumes/UUID/dir/x.vmdk" (the UUID of the VMFS volume,
 * or the id of an NFS mount) where the /folder endpoint wants the
 * datastore's name.  Teach the transport tp that id means datastore
 * name (copied): its requests then name the datastore by name, whichever
 * spelling the path has (paths themselves are left as they are, so that
 * a descriptor's relative extents stay in its own folder). */
void folder_map_datastore (void *tp, const char *id, const char *name);

/* The id of a datastore from its summary.url: the last component of
 * "ds:///vmfs/volumes/UUID/" (new string), or NULL. */
char *folder_datastore_id (const char *url);

/* "[DATASTORE] PATH" (a vSphere datastore path) to
 * "/vmfs/volumes/DATASTORE/PATH"; NULL + set_error if malformed. */
char *folder_path_from_ds (const char *dspath);

#endif /* V2K_HTTPS_H */
