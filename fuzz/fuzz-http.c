/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm fuzzing: HTTP responses as the remote code takes them through
 * libcurl (remote/https.h): the /folder datastore transport's size
 * (HEAD: status, Content-Length) and range reads (206, short or long
 * answers, error pages, Range ignored), then two SOAP calls (soap_call:
 * the reply collected, parsed, faults).
 *
 * The input is what a server answers: one or more HTTP responses
 * separated by "\n@@NEXT\n"; the k-th connection gets the k-th response
 * (the last one again when there are fewer).  A thread of this process
 * serves them on 127.0.0.1 over plain HTTP (https_conf.plain_http: the
 * TLS layer is not ours to fuzz), reading each request whole, writing
 * the response and closing, so every request opens a connection. */
#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "error.h"
#include "fuzz.h"
#include "https.h"
#include "vsphere-int.h"
#include "xalloc.h"

#define NEXT "\n@@NEXT\n"
#define MAX_PARTS 8

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *input;          /* a copy of the current input */
static size_t part_off[MAX_PARTS], part_len[MAX_PARTS], nparts;
static size_t served;           /* connections of the current input */
static int listen_fd = -1;
static unsigned port;

/* Read the request: headers up to the blank line, then Content-Length
 * bytes of body. */
static void
read_request (int fd)
{
  static _Thread_local char buf[65536];   /* the server thread only */
  size_t len = 0, want = 0;
  char *end = NULL;

  while (len < sizeof buf - 1) {
    ssize_t n = recv (fd, buf + len, sizeof buf - 1 - len, 0);
    if (n <= 0)
      return;
    len += (size_t) n;
    buf[len] = '\0';
    if (!end && (end = strstr (buf, "\r\n\r\n")) != NULL) {
      for (char *h = buf; h < end; h = strstr (h, "\r\n") + 2)
        if (strncasecmp (h, "Content-Length:", 15) == 0)
          want = strtoul (h + 15, NULL, 10);
      want += (size_t) (end + 4 - buf);
    }
    if (end && len >= want)
      return;
  }
}

static void *
serve (void *arg)
{
  (void) arg;
  for (;;) {
    int fd = accept (listen_fd, NULL, NULL);
    struct timeval tv = { .tv_sec = 5 };
    uint8_t *reply = NULL;
    size_t len = 0, off = 0;

    if (fd == -1)
      continue;
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    read_request (fd);
    pthread_mutex_lock (&lock);
    if (nparts > 0) {
      size_t k = served < nparts ? served : nparts - 1;
      len = part_len[k];
      reply = xmalloc (len + 1);
      memcpy (reply, input + part_off[k], len);
      served++;
    }
    pthread_mutex_unlock (&lock);
    while (off < len) {
      ssize_t n = send (fd, reply + off, len - off, MSG_NOSIGNAL);
      if (n <= 0)
        break;
      off += (size_t) n;
    }
    free (reply);
    close (fd);
  }
  return NULL;
}

static void
start_server (void)
{
  struct sockaddr_in a = { .sin_family = AF_INET };
  socklen_t alen = sizeof a;
  pthread_t t;

  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd == -1 || bind (listen_fd, (struct sockaddr *) &a, sizeof a)
      || listen (listen_fd, 16) ||
      getsockname (listen_fd, (struct sockaddr *) &a, &alen)) {
    perror ("fuzz-http: server socket");
    abort ();
  }
  port = ntohs (a.sin_port);
  if (pthread_create (&t, NULL, serve, NULL) != 0)
    abort ();
  pthread_detach (t);
}

static void
set_input (const uint8_t *data, size_t size)
{
  const size_t seplen = strlen (NEXT);
  size_t pos = 0;

  pthread_mutex_lock (&lock);
  free (input);
  input = xmalloc (size + 1);
  memcpy (input, data, size);
  nparts = 0;
  served = 0;
  while (nparts < MAX_PARTS) {
    const uint8_t *sep = nparts + 1 < MAX_PARTS
      ? memmem (input + pos, size - pos, NEXT, seplen) : NULL;
    size_t end = sep ? (size_t) (sep - input) : size;
    part_off[nparts] = pos;
    part_len[nparts] = end - pos;
    nparts++;
    if (!sep)
      break;
    pos = end + seplen;
  }
  pthread_mutex_unlock (&lock);
}

static uint8_t buf[1 << 16];

/* The /folder transport: size, then reads at the start and the end. */
static void
folder (const struct https_conf *conf)
{
  const char *path = "/vmfs/volumes/datastore1/vm/vm-flat.vmdk";
  void *tp = folder_transport (conf, "ha-datacenter");
  bool transient;
  void *c = folder_ops.connect (tp, &transient);
  uint64_t size = 0;
  size_t done;

  if (!c) {
    fuzz_check_error ("connect");
    folder_ops.close (tp);
    return;
  }
  if (folder_ops.size (tp, c, path, &size) != REMOTE_OK) {
    fuzz_check_error ("size");
    size = 4096;                /* read anyway: the next answers */
  }
  if (size > 0) {
    size_t n = size < sizeof buf ? (size_t) size : sizeof buf;
    if (folder_ops.read (tp, c, path, buf, n, 0, &done) != REMOTE_OK)
      fuzz_check_error ("read");
    if (folder_ops.read (tp, c, path, buf, n, size - n, &done) != REMOTE_OK)
      fuzz_check_error ("read");
  }
  folder_ops.disconnect (tp, c);
  folder_ops.close (tp);
}

/* Two SOAP calls as vsphere_open makes them (session cookie, no basic
 * authentication): the ServiceContent of the first reply, and a second
 * call in the same session (what one call leaves behind in libcurl
 * must not hurt the next: remote/https.h). */
static void
soap (const struct https_conf *conf)
{
  struct vsphere *v = xzalloc (sizeof *v);
  xmlNodePtr ret;
  xmlDocPtr doc;

  v->conf.scheme = xstrdup (conf->scheme);
  v->conf.host = xstrdup (conf->host);
  v->conf.port = conf->port;
  v->conf.plain_http = true;
  v->display = xstrdup ("esx://root@fuzz");
  v->share = https_share (true);
  if (!v->share)
    abort ();
  doc = soap_call (v, "RetrieveServiceContent",
                   "<_this type=\"ServiceInstance\">ServiceInstance</_this>",
                   &ret);
  if (!doc)
    fuzz_check_error ("soap_call");
  else {
    if (vsphere_service_content (v, ret) == -1)
      fuzz_check_error ("service content");
    xmlFreeDoc (doc);
  }
  doc = soap_call (v, "CurrentTime",
                   "<_this type=\"ServiceInstance\">ServiceInstance</_this>",
                   &ret);
  if (!doc)
    fuzz_check_error ("soap_call");
  xmlFreeDoc (doc);
  vsphere_close (v);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct https_conf conf = { .scheme = (char *) "esx",
                             .host = (char *) "127.0.0.1",
                             .user = (char *) "root",
                             .password = (char *) "fuzz",
                             .plain_http = true };

  fuzz_init ();
  if (listen_fd == -1)
    start_server ();
  conf.port = port;
  set_input (data, size);
  folder (&conf);
  soap (&conf);
  clear_error ();
  return 0;
}
