/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: vSphere session: URI, password, SOAP calls, login/logout, the
 * datacenter, and the guest's .vmx (see vsphere.h).  The VM inventory
 * (property parsing) is in vsphere-vms.c.
 *
 * SOAP as the vSphere Web Services API reference describes it: each call
 * is a POST of an Envelope to https://HOST/sdk with the header
 * "SOAPAction: urn:vim25/VERSION"; the session is the vmware_soap_session
 * cookie Login sets (libcurl's cookie engine keeps it on the handle);
 * errors come back as HTTP 500 with a soapenv:Fault whose detail names
 * the fault type (InvalidLogin, ...). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg-xml.h"
#include "cleanup.h"
#include "error.h"
#include "https.h"
#include "vsphere-int.h"
#include "xalloc.h"

#define SOAP_MAX_REPLY (256 * 1024 * 1024)

bool
vsphere_is_uri (const char *s)
{
  return s && (strncmp (s, "esx://", 6) == 0 || strncmp (s, "vpx://", 6) == 0);
}

/* Percent-decode s[0..len) (new string). */
static char *
pct_decode (const char *s, size_t len)
{
  char *out = xmalloc (len + 1), *o = out;

  for (size_t i = 0; i < len; i++) {
    if (s[i] == '%' && i + 2 < len && isxdigit ((unsigned char) s[i + 1])
        && isxdigit ((unsigned char) s[i + 2])) {
      char hex[3] = { s[i + 1], s[i + 2], 0 };
      *o++ = (char) strtol (hex, NULL, 16);
      i += 2;
    }
    else
      *o++ = s[i];
  }
  *o = '\0';
  return out;
}

static int
bad_uri (const char *uri, const char *why)
{
  set_error (EINVAL, "-ic '%s': %s (esx://[USER@]HOST[:PORT]/[?no_verify=1] "
             "or vpx://[USER@]VCENTER[:PORT]/DATACENTER/...)", uri, why);
  error_set_kind (V2K_ERR_USAGE);
  return -1;
}

static int
parse_uri (struct vsphere *v, const char *uri)
{
  const char *p = uri + 6, *auth_end, *at, *colon, *q;
  struct https_conf *c = &v->conf;

  c->scheme = xstrndup (uri, 3);
  auth_end = p + strcspn (p, "/?");
  at = memchr (p, '@', auth_end - p);
  if (at) {
    c->user = pct_decode (p, at - p);
    p = at + 1;
  }
  else
    c->user = xstrdup ("root");
  if (*p == '[') {
    const char *rb = memchr (p, ']', auth_end - p);
    if (!rb)
      return bad_uri (uri, "unclosed '[' in the host");
    colon = rb[1] == ':' ? rb + 1 : NULL;
    c->host = xstrndup (p, rb + 1 - p);
  }
  else {
    colon = memchr (p, ':', auth_end - p);
    c->host = xstrndup (p, (colon ? colon : auth_end) - p);
  }
  if (!*c->host)
    return bad_uri (uri, "no host");
  c->port = 443;
  if (colon) {
    char *end;
    long port = strtol (colon + 1, &end, 10);
    if (end != auth_end || port < 1 || port > 65535)
      return bad_uri (uri, "bad port");
    c->port = (unsigned) port;
  }
  p = auth_end;
  q = strchr (p, '?');
  /* vpx: /DATACENTER[/CLUSTER]/HOST; only the datacenter matters here. */
  if (*p == '/') {
    p++;
    size_t len = strcspn (p, "/?");
    if (len > 0)
      v->want_dc = pct_decode (p, len);
  }
  if (strcmp (c->scheme, "vpx") == 0 && !v->want_dc)
    return bad_uri (uri, "a vpx:// URI names the datacenter");
  if (q) {
    for (const char *s = q + 1; *s; ) {
      size_t len = strcspn (s, "&");
      if (len == 11 && strncmp (s, "no_verify=1", 11) == 0)
        c->no_verify = true;
      else if (len > 0)
        warning ("uri-ignored", "-ic: ignoring '%.*s'", (int) len, s);
      s += len + (s[len] == '&');
    }
  }
  v->display = xasprintf ("%s://%s@%s:%u", c->scheme, c->user, c->host,
                          c->port);
  return 0;
}

/* The password: first line of file, or asked on the terminal. */
static char *
read_password (struct vsphere *v, const char *file)
{
  char *line = NULL;
  size_t n = 0;
  ssize_t len;

  if (file) {
    FILE *fp = fopen (file, "r");
    if (!fp) {
      set_error_errno ("-ip: cannot open '%s'", file);
      return NULL;
    }
    len = getline (&line, &n, fp);
    fclose (fp);
    if (len < 0) {
      free (line);
      line = xstrdup ("");
    }
  }
  else {
    struct termios old, quiet;
    if (!isatty (0) || tcgetattr (0, &old) == -1) {
      set_error (EINVAL, "%s needs a password: give it in a file with "
                 "-ip FILE", v->display);
      error_set_kind (V2K_ERR_USAGE);
      return NULL;
    }
    fprintf (stderr, "Password for %s: ", v->display);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t) ECHO;
    tcsetattr (0, TCSAFLUSH, &quiet);
    len = getline (&line, &n, stdin);
    tcsetattr (0, TCSAFLUSH, &old);
    fputc ('\n', stderr);
    if (len < 0) {
      free (line);
      set_error (EINVAL, "no password given for %s", v->display);
      error_set_kind (V2K_ERR_USAGE);
      return NULL;
    }
  }
  line[strcspn (line, "\r\n")] = '\0';
  return line;
}

char *
xml_escape (const char *s)
{
  size_t n = 0;
  char *out, *o;

  for (const char *p = s; *p; p++)
    n += strchr ("<>&\"'", *p) ? 6 : 1;
  out = o = xmalloc (n + 1);
  for (const char *p = s; *p; p++) {
    switch (*p) {
    case '<': o = stpcpy (o, "&lt;"); break;
    case '>': o = stpcpy (o, "&gt;"); break;
    case '&': o = stpcpy (o, "&amp;"); break;
    case '"': o = stpcpy (o, "&quot;"); break;
    case '\'': o = stpcpy (o, "&apos;"); break;
    default: *o++ = *p;
    }
  }
  *o = '\0';
  return out;
}

xmlNodePtr
xml_child (xmlNodePtr n, const char *name)
{
  for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && !strcmp ((const char *) c->name, name))
      return c;
  return NULL;
}

char *
xml_text (xmlNodePtr n)
{
  xmlChar *t = n ? xmlNodeGetContent (n) : NULL;
  char *r = t ? xstrdup ((const char *) t) : NULL;

  xmlFree (t);
  return r;
}

char *
xml_child_text (xmlNodePtr n, const char *name)
{
  return xml_text (xml_child (n, name));
}

struct reply {
  char *buf;
  size_t len;
};

static size_t
reply_write (char *data, size_t size, size_t nmemb, void *opaque)
{
  struct reply *r = opaque;
  size_t n = size * nmemb;

  if (r->len + n > SOAP_MAX_REPLY)
    return 0;
  r->buf = xreallocarray (r->buf, r->len + n + 1, 1);
  memcpy (r->buf + r->len, data, n);
  r->len += n;
  return n;
}

xmlDocPtr
soap_parse_reply (const char *display, const char *method, long status,
                  const char *buf, size_t len, enum fault *fault,
                  xmlNodePtr *ret)
{
  CLEANUP_FREE char *why = NULL;
  xmlDocPtr doc = NULL;
  xmlNodePtr b, first = NULL;

  /* cfg_xml_parse: no network, no DTD, no entities, a <!DOCTYPE>
   * refused, and libxml2's messages kept off stderr (issue 18). */
  if (buf && len > 0 && len <= SOAP_MAX_REPLY) {
    doc = cfg_xml_parse (buf, len, "reply");
    if (!doc)
      why = xstrdup (get_error ());
  }
  b = doc ? xml_child (xmlDocGetRootElement (doc), "Body") : NULL;
  for (xmlNodePtr c = b ? b->children : NULL; c && !first; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      first = c;
  if (!first) {
    set_error (EIO, "%s: %s: HTTP status %ld without a SOAP reply "
               "(%s%sis this an ESXi or vCenter server?)", display, method,
               status, why ? why : "", why ? "; " : "");
    xmlFreeDoc (doc);
    return NULL;
  }
  if (!strcmp ((const char *) first->name, "Fault")) {
    CLEANUP_FREE char *msg = xml_child_text (first, "faultstring");
    xmlNodePtr d = xml_child (first, "detail");
    const char *fault_type = "Fault";
    for (xmlNodePtr c = d ? d->children : NULL; c; c = c->next)
      if (c->type == XML_ELEMENT_NODE) {
        fault_type = (const char *) c->name;
        break;
      }
    *fault = strstr (fault_type, "InvalidLogin") ? FAULT_LOGIN
      : strstr (fault_type, "NotAuthenticated") ? FAULT_AUTH : FAULT_OTHER;
    set_error (EIO, "%s: %s failed: %s (%s)", display, method,
               msg && *msg ? msg : "no message", fault_type);
    xmlFreeDoc (doc);
    return NULL;
  }
  *ret = first;
  return doc;
}

xmlDocPtr
soap_call (struct vsphere *v, const char *method, const char *body,
           xmlNodePtr *ret)
{
  CLEANUP_FREE char *env = xasprintf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<soapenv:Envelope "
    "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
    "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
    "<soapenv:Body><%s xmlns=\"urn:vim25\">%s</%s></soapenv:Body>"
    "</soapenv:Envelope>", method, body, method);
  CLEANUP_FREE char *base = https_base_url (&v->conf);
  CLEANUP_FREE char *url = xasprintf ("%s/sdk", base);
  CLEANUP_FREE char *action = xasprintf ("SOAPAction: urn:vim25/%s",
                                         v->api_version ? v->api_version
                                         : "6.0");
  struct curl_slist *hdr = NULL;
  struct reply r = { 0 };
  char err[CURL_ERROR_SIZE] = "";
  long status = 0;
  xmlDocPtr doc;
  CURLcode rc;
  CURL *h = https_handle (&v->conf, v->share);

  if (!h)
    return NULL;
  /* The API authenticates with its session cookie, not basic auth. */
  curl_easy_setopt (h, CURLOPT_HTTPAUTH, (long) CURLAUTH_NONE);
  curl_easy_setopt (h, CURLOPT_USERNAME, NULL);
  curl_easy_setopt (h, CURLOPT_PASSWORD, NULL);
  curl_easy_setopt (h, CURLOPT_COOKIEFILE, "");   /* the share's jar */
  curl_easy_setopt (h, CURLOPT_XFERINFODATA, &v->closing);
  hdr = curl_slist_append (hdr, "Content-Type: text/xml; charset=utf-8");
  hdr = curl_slist_append (hdr, action);
  curl_easy_setopt (h, CURLOPT_URL, url);
  curl_easy_setopt (h, CURLOPT_HTTPHEADER, hdr);
  curl_easy_setopt (h, CURLOPT_POSTFIELDS, env);
  curl_easy_setopt (h, CURLOPT_WRITEFUNCTION, reply_write);
  curl_easy_setopt (h, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt (h, CURLOPT_ERRORBUFFER, err);
  rc = curl_easy_perform (h);
  curl_easy_getinfo (h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (h);
  curl_slist_free_all (hdr);
  if (rc != CURLE_OK) {
    https_curl_error (&v->conf, rc, err);
    if (error_get_kind () == V2K_ERR_AUTO)
      prepend_error ("cannot reach the vSphere API: ");
    free (r.buf);
    return NULL;
  }
  doc = soap_parse_reply (v->display, method, status, r.buf, r.len,
                          &v->last_fault, ret);
  free (r.buf);
  return doc;
}

int
vsphere_service_content (struct vsphere *v, xmlNodePtr ret)
{
  xmlNodePtr sc = xml_child (ret, "returnval");

  v->root_folder = xml_child_text (sc, "rootFolder");
  v->prop_collector = xml_child_text (sc, "propertyCollector");
  v->view_manager = xml_child_text (sc, "viewManager");
  v->session_manager = xml_child_text (sc, "sessionManager");
  v->api_version = xml_child_text (xml_child (sc, "about"), "apiVersion");
  v->api_type = xml_child_text (xml_child (sc, "about"), "apiType");
  if (!v->root_folder || !v->prop_collector || !v->view_manager ||
      !v->session_manager) {
    set_error (EIO, "%s: the service content lacks the objects v2kvm "
               "needs (is this an ESXi or vCenter server?)", v->display);
    return -1;
  }
  return 0;
}

static int
login (struct vsphere *v, const char *password)
{
  CLEANUP_FREE char *user = xml_escape (v->conf.user);
  CLEANUP_FREE char *pw = xml_escape (password);
  CLEANUP_FREE char *body = NULL;
  xmlNodePtr ret;
  xmlDocPtr doc;
  int rc;

  doc = soap_call (v, "RetrieveServiceContent",
                   "<_this type=\"ServiceInstance\">ServiceInstance</_this>",
                   &ret);
  if (!doc)
    return -1;
  rc = vsphere_service_content (v, ret);
  xmlFreeDoc (doc);
  if (rc == -1)
    return -1;
  body = xasprintf ("<_this type=\"SessionManager\">%s</_this>"
                    "<userName>%s</userName><password>%s</password>",
                    v->session_manager, user, pw);
  memset (pw, 0, strlen (pw));
  doc = soap_call (v, "Login", body, &ret);
  memset (body, 0, strlen (body));
  if (!doc) {
    if (v->last_fault == FAULT_LOGIN) {
      set_error (EACCES, "cannot log in to %s: wrong user name or password",
                 v->display);
    }
    return -1;
  }
  xmlFreeDoc (doc);
  v->logged_in = true;
  return 0;
}

struct vsphere *
vsphere_open (const char *uri, const char *password_file)
{
  struct vsphere *v = xzalloc (sizeof *v);
  CLEANUP_FREE char *password = NULL;

  if (parse_uri (v, uri) == -1)
    goto fail;
  password = read_password (v, password_file);
  if (!password)
    goto fail;
  v->conf.password = xstrdup (password);
  v->share = https_share (true);
  if (!v->share)
    goto fail;
  if (login (v, password) == -1)
    goto fail;
  memset (password, 0, strlen (password));
  debug ("%s: logged in (%s %s)", v->display,
         v->api_type ? v->api_type : "?", v->api_version ? v->api_version : "?");
  if (vsphere_find_datacenter (v) == -1)
    goto fail;
  return v;

 fail:
  if (password)
    memset (password, 0, strlen (password));
  vsphere_close (v);
  return NULL;
}

const char *
vsphere_display (const struct vsphere *v)
{
  return v->display;
}

struct remote *
vsphere_datastores (struct vsphere *v)
{
  CLEANUP_FREE char *prefix = xasprintf ("%s://%s", v->conf.scheme,
                                         v->conf.host);

  void *tp = folder_transport (&v->conf, v->dc);

  for (size_t i = 0; i < v->ds_ids.len; i++)
    folder_map_datastore (tp, v->ds_ids.ptr[i], v->ds_names.ptr[i]);
  return remote_new (&folder_ops, tp, prefix, NULL);
}

int
vsphere_check_off (struct vsphere *v, const struct vsphere_vm *vm)
{
  if (vm->power && strcmp (vm->power, "poweredOff") == 0)
    return 0;
  set_error (EBUSY, "%s: guest '%s' is %s: shut it down first (v2kvm reads "
             "only a guest that is powered off)", v->display, vm->name,
             vm->power && !strcmp (vm->power, "poweredOn") ? "powered on"
             : vm->power ? vm->power : "in an unknown power state");
  error_set_kind (V2K_ERR_GUEST);
  return -1;
}

int
vsphere_read_guest (struct vsphere *v, const struct vsphere_vm *vm,
                    struct guest **g, struct remote **src)
{
  CLEANUP_FREE char *path = NULL;
  CLEANUP_FREE char *buf = NULL;
  struct remote *r;
  size_t len = 0;

  *g = NULL;
  *src = NULL;
  if (!vm->vmx) {
    set_error (EIO, "%s: guest '%s' has no configuration file "
               "(config.files.vmPathName)", v->display, vm->name);
    return -1;
  }
  path = folder_path_from_ds (vm->vmx);
  if (!path)
    return -1;
  /* The .vmx may name its disks by datastore id (/vmfs/volumes/UUID). */
  if (vsphere_find_datastores (v) == -1)
    return -1;
  r = vsphere_datastores (v);
  buf = remote_slurp (r, path, CFG_MAX_FILE, &len);
  if (!buf || cfg_read_buffer ("vmx", buf, len, path, g) == -1) {
    remote_unref (r);
    return -1;
  }
  *src = r;
  return 0;
}

char **
vsphere_plugin_args (const struct vsphere *v, const char **password)
{
  char **a = xzalloc ((8 + v->ds_ids.len) * sizeof *a);
  size_t n = 0;

  a[n++] = xasprintf ("remote-host=%s", v->conf.host);
  a[n++] = xasprintf ("remote-port=%u", v->conf.port);
  a[n++] = xasprintf ("remote-scheme=%s", v->conf.scheme);
  a[n++] = xasprintf ("remote-dc=%s", v->dc);
  a[n++] = xasprintf ("remote-user=%s", v->conf.user);
  if (v->conf.no_verify)
    a[n++] = xstrdup ("remote-no-verify=1");
  for (size_t i = 0; i < v->ds_ids.len; i++)
    a[n++] = xasprintf ("remote-dsid=%s:%s", v->ds_ids.ptr[i],
                        v->ds_names.ptr[i]);
  *password = v->conf.password;
  return a;
}

void
vsphere_close (struct vsphere *v)
{
  if (!v)
    return;
  if (v->logged_in) {
    /* Keep the error that brought us here. */
    CLEANUP_FREE char *msg = xstrdup (get_error ());
    int errnum = get_errno ();
    enum v2k_err_kind kind = error_get_kind ();
    CLEANUP_FREE char *body = xasprintf (
      "<_this type=\"SessionManager\">%s</_this>", v->session_manager);
    v->closing = true;
    xmlNodePtr ret;
    xmlDocPtr doc = soap_call (v, "Logout", body, &ret);
    if (doc)
      debug ("%s: logged out", v->display);
    else
      debug ("%s: logout failed: %s", v->display, get_error ());
    xmlFreeDoc (doc);
    clear_error ();
    if (*msg || errnum) {
      set_error (errnum, "%s", msg);
      error_set_kind (kind);
    }
  }
  if (v->share)
    curl_share_cleanup (v->share);
  if (v->conf.password)
    memset (v->conf.password, 0, strlen (v->conf.password));
  free (v->conf.password);
  free (v->conf.user);
  free (v->conf.host);
  free (v->conf.scheme);
  free (v->display);
  free (v->want_dc);
  free (v->dc);
  free (v->dc_ref);
  for (size_t i = 0; i < v->ds_ids.len; i++) {
    free (v->ds_ids.ptr[i]);
    free (v->ds_names.ptr[i]);
  }
  string_vector_reset (&v->ds_ids);
  string_vector_reset (&v->ds_names);
  free (v->vm_folder);
  free (v->root_folder);
  free (v->prop_collector);
  free (v->view_manager);
  free (v->session_manager);
  free (v->api_version);
  free (v->api_type);
  free (v);
}
