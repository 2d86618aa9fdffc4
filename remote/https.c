/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: HTTPS with libcurl and the /folder datastore transport (see
 * https.h).  One easy handle per connection of the pool: libcurl keeps
 * its TCP+TLS connection alive between range requests (libcurl's
 * "persistent connections", libcurl-tutorial(3)). */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cleanup.h"
#include "error.h"
#include "https.h"
#include "vector.h"
#include "xalloc.h"

/* Seconds: to connect; a transfer slower than 1 byte/s for this long is
 * stalled (a transient error, retried). */
#define CONNECT_TIMEOUT 30
#define STALL_TIMEOUT 60

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init (void)
{
  curl_global_init (CURL_GLOBAL_DEFAULT);
}

struct https_conf *
https_conf_copy (const struct https_conf *c)
{
  struct https_conf *n = xzalloc (sizeof *n);

  n->scheme = xstrdup (c->scheme ? c->scheme : "https");
  n->host = xstrdup (c->host);
  n->port = c->port;
  n->no_verify = c->no_verify;
  n->plain_http = c->plain_http;
  n->user = c->user ? xstrdup (c->user) : NULL;
  n->password = c->password ? xstrdup (c->password) : NULL;
  return n;
}

void
https_conf_free (struct https_conf *c)
{
  if (!c)
    return;
  if (c->password)
    memset (c->password, 0, strlen (c->password));
  free (c->password);
  free (c->user);
  free (c->host);
  free (c->scheme);
  free (c);
}

char *
https_base_url (const struct https_conf *c)
{
  return xasprintf ("%s://%s:%u", c->plain_http ? "http" : "https", c->host,
                    c->port);
}

/* Ctrl-C stops a transfer at once (libcurl's progress callback), unless
 * the handle's CURLOPT_XFERINFODATA points to a true bool (a logout
 * after Ctrl-C must still go out). */
static int
xfer_interrupted (void *opaque, curl_off_t dltotal, curl_off_t dlnow,
                  curl_off_t ultotal, curl_off_t ulnow)
{
  (void) dltotal; (void) dlnow; (void) ultotal; (void) ulnow;
  if (opaque && *(const bool *) opaque)
    return 0;
  return v2k_interrupted ? 1 : 0;
}

CURLSH *
https_share (bool cookies)
{
  CURLSH *s;

  pthread_once (&curl_once, curl_init);
  s = curl_share_init ();
  if (!s ||
      curl_share_setopt (s, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) ||
      curl_share_setopt (s, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) ||
      curl_share_setopt (s, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ||
      (cookies &&
       curl_share_setopt (s, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE))) {
    curl_share_cleanup (s);
    set_error (ENOMEM, "cannot create a libcurl share");
    return NULL;
  }
  return s;
}

CURL *
https_handle (const struct https_conf *c, CURLSH *share)
{
  const char *ca = getenv ("SSL_CERT_FILE");
  CURL *h;

  pthread_once (&curl_once, curl_init);
  h = curl_easy_init ();
  if (!h || (share && curl_easy_setopt (h, CURLOPT_SHARE, share))) {
    curl_easy_cleanup (h);
    set_error (ENOMEM, "cannot create a libcurl handle");
    return NULL;
  }
  curl_easy_setopt (h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (h, CURLOPT_PROTOCOLS_STR,
                    c->plain_http ? "http" : "https");
  curl_easy_setopt (h, CURLOPT_CONNECTTIMEOUT, (long) CONNECT_TIMEOUT);
  curl_easy_setopt (h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (h, CURLOPT_LOW_SPEED_TIME, (long) STALL_TIMEOUT);
  curl_easy_setopt (h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (h, CURLOPT_XFERINFOFUNCTION, xfer_interrupted);
  curl_easy_setopt (h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (h, CURLOPT_SSL_VERIFYPEER, c->no_verify ? 0L : 1L);
  curl_easy_setopt (h, CURLOPT_SSL_VERIFYHOST, c->no_verify ? 0L : 2L);
  if (ca && *ca)
    curl_easy_setopt (h, CURLOPT_CAINFO, ca);
  if (c->user) {
    curl_easy_setopt (h, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
    curl_easy_setopt (h, CURLOPT_USERNAME, c->user);
    curl_easy_setopt (h, CURLOPT_PASSWORD, c->password ? c->password : "");
  }
  return h;
}

/* SHA-256 of the server's certificate as "AB:CD:...", fetched on a
 * connection that does not verify it; NULL if it cannot be had. */
static char *
cert_fingerprint (const struct https_conf *c)
{
  struct https_conf nv = *c;
  CLEANUP_FREE char *url = https_base_url (c);
  struct curl_certinfo *ci = NULL;
  char *fp = NULL;
  CURL *h;

  nv.no_verify = true;
  nv.user = NULL;
  h = https_handle (&nv, NULL);
  if (!h)
    return NULL;
  curl_easy_setopt (h, CURLOPT_URL, url);
  curl_easy_setopt (h, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt (h, CURLOPT_CONNECT_ONLY, 1L);
  if (curl_easy_perform (h) == CURLE_OK &&
      curl_easy_getinfo (h, CURLINFO_CERTINFO, &ci) == CURLE_OK &&
      ci && ci->num_of_certs > 0) {
    for (struct curl_slist *s = ci->certinfo[0]; s && !fp; s = s->next) {
      if (strncmp (s->data, "Cert:", 5) != 0)
        continue;
      BIO *bio = BIO_new_mem_buf (s->data + 5, -1);
      X509 *x = bio ? PEM_read_bio_X509 (bio, NULL, NULL, NULL) : NULL;
      unsigned char md[EVP_MAX_MD_SIZE];
      unsigned n = 0;
      if (x && X509_digest (x, EVP_sha256 (), md, &n) == 1 && n > 0) {
        fp = xmalloc (3 * n);
        for (unsigned i = 0; i < n; i++)
          sprintf (fp + 3 * i, "%02X%s", md[i], i + 1 < n ? ":" : "");
      }
      X509_free (x);
      BIO_free (bio);
    }
  }
  curl_easy_cleanup (h);
  return fp;
}

int
https_curl_error (const struct https_conf *c, CURLcode rc, const char *errbuf)
{
  const char *why = errbuf && *errbuf ? errbuf : curl_easy_strerror (rc);

  switch (rc) {
  case CURLE_ABORTED_BY_CALLBACK:
    if (check_interrupted () == 0)
      set_error (EIO, "%s://%s:%u: transfer aborted", c->scheme, c->host,
                 c->port);
    return REMOTE_FAILED;
  case CURLE_PEER_FAILED_VERIFICATION: {
    CLEANUP_FREE char *fp = cert_fingerprint (c);
    set_error (EACCES, "%s://%s:%u: the server's TLS certificate is not "
               "trusted (%s; SHA-256 fingerprint %s): add ?no_verify=1 to "
               "the URI to connect anyway", c->scheme, c->host, c->port, why,
               fp ? fp : "unknown");
    error_set_kind (V2K_ERR_HYPERVISOR);
    return REMOTE_FAILED;
  }
  case CURLE_COULDNT_CONNECT:
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_PARTIAL_FILE:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_GOT_NOTHING:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    set_error (EIO, "%s://%s:%u: %s", c->scheme, c->host, c->port, why);
    return REMOTE_TRANSIENT;
  default:
    set_error (EIO, "%s://%s:%u: %s", c->scheme, c->host, c->port, why);
    return REMOTE_FAILED;
  }
}

/* ---- the /folder transport ---- */

struct folder {
  struct https_conf *c;
  char *dc;
  char *base;                   /* https://HOST:PORT */
  string_vector ids, names;     /* datastore id -> name */
};

struct fconn {
  CURLSH *share;                /* the kept connection */
  char err[CURL_ERROR_SIZE];
};

/* A handle for one request of c (NULL + set_error); its error message
 * goes to c->err. */
static CURL *
fconn_handle (struct folder *f, struct fconn *c)
{
  CURL *h = https_handle (f->c, c->share);

  c->err[0] = '\0';
  if (h)
    curl_easy_setopt (h, CURLOPT_ERRORBUFFER, c->err);
  return h;
}

void *
folder_transport (const struct https_conf *c, const char *dc)
{
  struct folder *f = xzalloc (sizeof *f);

  f->c = https_conf_copy (c);
  f->dc = xstrdup (dc);
  f->base = https_base_url (c);
  return f;
}

void
folder_map_datastore (void *tp, const char *id, const char *name)
{
  struct folder *f = tp;

  if (!*id || strchr (id, '/') || !strcmp (id, name))
    return;
  string_vector_append (&f->ids, xstrdup (id));
  string_vector_append (&f->names, xstrdup (name));
}

char *
folder_datastore_id (const char *url)
{
  size_t len = url ? strlen (url) : 0;
  const char *start;

  while (len > 0 && url[len - 1] == '/')
    len--;
  start = url ? memrchr (url, '/', len) : NULL;
  if (!start || start + 1 == url + len)
    return NULL;
  return xstrndup (start + 1, url + len - start - 1);
}

/* path with a datastore id replaced by its name (new string). */
static char *
by_name (struct folder *f, const char *path)
{
  const char *p = path + strlen ("/vmfs/volumes/");
  size_t len;

  if (strncmp (path, "/vmfs/volumes/", strlen ("/vmfs/volumes/")) != 0)
    return xstrdup (path);
  len = strcspn (p, "/");
  for (size_t i = 0; i < f->ids.len; i++)
    if (strlen (f->ids.ptr[i]) == len && !memcmp (p, f->ids.ptr[i], len))
      return xasprintf ("/vmfs/volumes/%s%s", f->names.ptr[i], p + len);
  return xstrdup (path);
}

char *
folder_path_from_ds (const char *dspath)
{
  const char *close = dspath[0] == '[' ? strchr (dspath, ']') : NULL;
  const char *rest;

  if (!close || close == dspath + 1) {
    set_error (EINVAL, "'%s' is not a datastore path ([DATASTORE] PATH)",
               dspath);
    return NULL;
  }
  rest = close + 1;
  while (*rest == ' ')
    rest++;
  return xasprintf ("/vmfs/volumes/%.*s/%s", (int) (close - dspath - 1),
                    dspath + 1, rest);
}

/* Split "/vmfs/volumes/DS/PATH" into the URL of the file. */
static char *
folder_url (struct folder *f, CURL *h, const char *path0)
{
  CLEANUP_FREE char *path = by_name (f, path0);
  const char *p = path + strlen ("/vmfs/volumes/");
  const char *slash = strchr (p, '/');
  CLEANUP_FREE char *ds = xstrndup (p, slash - p);
  char *eds = curl_easy_escape (h, ds, 0);
  char *edc = curl_easy_escape (h, f->dc, 0);
  char *url, *epath;
  size_t n = 0;

  /* Escape each path component, keeping the slashes. */
  epath = xmalloc (3 * strlen (slash) + 1);
  for (const char *s = slash + 1; *s; ) {
    size_t len = strcspn (s, "/");
    char *e = curl_easy_escape (h, s, (int) len);
    n += sprintf (epath + n, "%s%s", e, s[len] == '/' ? "/" : "");
    curl_free (e);
    s += len + (s[len] == '/');
  }
  epath[n] = '\0';
  url = xasprintf ("%s/folder/%s?dcPath=%s&dsName=%s", f->base, epath,
                   edc, eds);
  free (epath);
  curl_free (eds);
  curl_free (edc);
  return url;
}

static void *
folder_connect (void *tp, bool *transient)
{
  struct fconn *c = xzalloc (sizeof *c);

  (void) tp;
  *transient = false;
  c->share = https_share (false);
  if (!c->share) {
    free (c);
    return NULL;
  }
  return c;
}

static void
folder_disconnect (void *tp, void *conn)
{
  struct fconn *c = conn;

  (void) tp;
  curl_share_cleanup (c->share);
  free (c);
}

/* An HTTP status other than the one wanted. */
static int
status_error (struct folder *f, const char *path, long status)
{
  if (status == 404) {
    set_error (ENOENT, "'%s://%s%s': no such file on the datastore",
               f->c->scheme, f->c->host, path);
    return REMOTE_FAILED;
  }
  if (status == 401 || status == 403) {
    set_error (EACCES, "'%s://%s%s': access refused (HTTP %ld)",
               f->c->scheme, f->c->host, path, status);
    return REMOTE_FAILED;
  }
  set_error (EIO, "'%s://%s%s': HTTP status %ld", f->c->scheme, f->c->host,
             path, status);
  return status >= 500 || status == 429 || status == 408
    ? REMOTE_TRANSIENT : REMOTE_FAILED;
}

static bool
valid_path (const char *path)
{
  const char *p = path + strlen ("/vmfs/volumes/");

  if (strncmp (path, "/vmfs/volumes/", strlen ("/vmfs/volumes/")) != 0 ||
      !strchr (p, '/') || p[0] == '/')
    return false;
  for (const char *s = p; *s; ) {
    size_t len = strcspn (s, "/");
    if ((len == 2 && s[0] == '.' && s[1] == '.') || (len == 1 && s[0] == '.')
        || len == 0)
      return false;
    s += len + (s[len] == '/');
  }
  return true;
}

static int
folder_size (void *tp, void *conn, const char *path, uint64_t *size)
{
  struct folder *f = tp;
  struct fconn *c = conn;
  CLEANUP_FREE char *url = NULL;
  curl_off_t len = -1;
  long status = 0;
  CURLcode rc;
  CURL *h;

  if (!valid_path (path)) {
    set_error (EINVAL, "'%s' is not a file on a datastore", path);
    return REMOTE_FAILED;
  }
  h = fconn_handle (f, c);
  if (!h)
    return REMOTE_FAILED;
  url = folder_url (f, h, path);
  curl_easy_setopt (h, CURLOPT_URL, url);
  curl_easy_setopt (h, CURLOPT_NOBODY, 1L);
  rc = curl_easy_perform (h);
  curl_easy_getinfo (h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo (h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
  curl_easy_cleanup (h);
  if (rc != CURLE_OK)
    return https_curl_error (f->c, rc, c->err);
  if (status != 200)
    return status_error (f, path, status);
  if (len < 0) {
    set_error (EIO, "'%s://%s%s': the server gives no size", f->c->scheme,
               f->c->host, path);
    return REMOTE_FAILED;
  }
  *size = (uint64_t) len;
  return REMOTE_OK;
}

struct sink {
  CURL *h;
  char *buf;
  size_t cap, len;
  bool wrong_status;
};

static size_t
sink_write (char *data, size_t size, size_t nmemb, void *opaque)
{
  struct sink *s = opaque;
  size_t n = size * nmemb;
  long status = 0;

  curl_easy_getinfo (s->h, CURLINFO_RESPONSE_CODE, &status);
  if (status != 206) {          /* an error page, or Range ignored */
    s->wrong_status = true;
    return n;
  }
  if (n > s->cap - s->len)
    return 0;                   /* more than asked: abort */
  memcpy (s->buf + s->len, data, n);
  s->len += n;
  return n;
}

static int
folder_read (void *tp, void *conn, const char *path, void *buf, size_t count,
             uint64_t offset, size_t *done)
{
  struct folder *f = tp;
  struct fconn *c = conn;
  CLEANUP_FREE char *url = NULL;
  char range[64];
  CURL *h = fconn_handle (f, c);
  struct sink s = { .h = h, .buf = buf, .cap = count };
  long status = 0;
  CURLcode rc;

  *done = 0;
  if (!h)
    return REMOTE_FAILED;
  url = folder_url (f, h, path);
  snprintf (range, sizeof range, "%" PRIu64 "-%" PRIu64, offset,
            offset + count - 1);
  curl_easy_setopt (h, CURLOPT_URL, url);
  curl_easy_setopt (h, CURLOPT_RANGE, range);
  curl_easy_setopt (h, CURLOPT_WRITEFUNCTION, sink_write);
  curl_easy_setopt (h, CURLOPT_WRITEDATA, &s);
  rc = curl_easy_perform (h);
  *done = s.len;
  curl_easy_getinfo (h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (h);
  if (rc == CURLE_WRITE_ERROR) {
    set_error (EIO, "'%s://%s%s': the server sent more than the %zu bytes "
               "asked for", f->c->scheme, f->c->host, path, count);
    return REMOTE_FAILED;
  }
  if (rc != CURLE_OK)
    return https_curl_error (f->c, rc, c->err);
  if (status == 200) {
    set_error (ENOTSUP, "'%s://%s%s': the server ignores HTTP Range "
               "requests", f->c->scheme, f->c->host, path);
    return REMOTE_FAILED;
  }
  if (status != 206)
    return status_error (f, path, status);
  if (s.len < count) {
    set_error (EIO, "'%s://%s%s': short answer (%zu of %zu bytes)",
               f->c->scheme, f->c->host, path, s.len, count);
    return REMOTE_TRANSIENT;
  }
  return REMOTE_OK;
}

static char *
folder_resolve (void *tp, const char *path, const char *name)
{
  struct folder *f = tp;
  char *r;

  if (name[0] == '/')
    r = xstrdup (name);
  else if (name[0] == '[')
    r = folder_path_from_ds (name);
  else {
    const char *slash = strrchr (path, '/');
    r = xasprintf ("%.*s/%s", (int) (slash - path), path, name);
  }
  if (r && !valid_path (r)) {
    set_error (EACCES, "'%s' (named by '%s://%s%s') is not a file on a "
               "datastore of the host", name, f->c->scheme, f->c->host,
               path);
    free (r);
    return NULL;
  }
  return r;
}

static void
folder_close (void *tp)
{
  struct folder *f = tp;

  https_conf_free (f->c);
  for (size_t i = 0; i < f->ids.len; i++) {
    free (f->ids.ptr[i]);
    free (f->names.ptr[i]);
  }
  string_vector_reset (&f->ids);
  string_vector_reset (&f->names);
  free (f->dc);
  free (f->base);
  free (f);
}

const struct remote_ops folder_ops = {
  .connect = folder_connect,
  .disconnect = folder_disconnect,
  .size = folder_size,
  .read = folder_read,
  .resolve = folder_resolve,
  .close = folder_close,
};
