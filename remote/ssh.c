/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the SSH transport of the remote byte source (see ssh.h).
 *
 * Why libssh and not the ssh program: a transport connection here is a
 * session the remote layer opens, pools, drops and reopens from several
 * threads, with reads at arbitrary offsets; over `ssh host sftp` or `ssh
 * host dd` we would have to speak SFTP ourselves on a pipe or start a
 * process per read, and learn about host keys and authentication by
 * parsing the client's messages.  libssh (as nbdkit's ssh plugin uses)
 * gives the session, SFTP with pipelined reads, exec channels, the
 * known_hosts check with a fingerprint, and the agent, as calls.
 *
 * References: libssh's API documentation (ssh_session_is_known_server,
 * ssh_userauth_publickey_auto, sftp_async_read_begin); the SFTP protocol
 * draft-ietf-secsh-filexfer-02 (version 3, which OpenSSH speaks: the
 * file type is in the permission bits); nbdkit-ssh-plugin(1) for the
 * same choices (agent then default identities, known_hosts required).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "checked.h"
#include "cleanup.h"
#include "error.h"
#include "ssh.h"
#include "xalloc.h"

/* SFTP read requests: size of each and how many are in flight on one
 * connection (OpenSSH's sftp-server answers up to 256 KiB per read). */
#define SFTP_CHUNK (64 * 1024)
#define SFTP_INFLIGHT 16
/* Seconds a connection attempt or a silent server is given. */
#define SSH_TIMEOUT 30

struct ssh_tp {
  struct ssh_url u;
  char *prefix;                 /* "ssh://user@host:port" */
  char *ssh_dir;                /* $HOME/.ssh, or NULL: libssh's default */
};

struct ssh_conn {
  ssh_session s;
  sftp_session sftp;
  sftp_file f;                  /* the file read last, kept open */
  char *fpath;
};

/* ---- URL ---- */

int
ssh_url_parse (const char *url, struct ssh_url *u)
{
  const char *p, *slash, *at, *colon, *hend;

  memset (u, 0, sizeof *u);
  if (strncmp (url, "ssh://", 6) != 0)
    goto bad;
  p = url + 6;
  slash = strchr (p, '/');
  if (!slash || slash == p || slash[1] == '\0')
    goto bad;
  at = memchr (p, '@', (size_t) (slash - p));
  if (at) {
    if (at == p)
      goto bad;
    u->user = xstrndup (p, (size_t) (at - p));
    p = at + 1;
  }
  if (*p == '[') {              /* [IPv6]:port */
    hend = memchr (p, ']', (size_t) (slash - p));
    if (!hend)
      goto bad;
    u->host = xstrndup (p + 1, (size_t) (hend - p - 1));
    colon = hend[1] == ':' ? hend + 1 : NULL;
    if (!colon && hend + 1 != slash)
      goto bad;
  }
  else {
    colon = memchr (p, ':', (size_t) (slash - p));
    hend = colon ? colon : slash;
    u->host = xstrndup (p, (size_t) (hend - p));
  }
  if (!*u->host)
    goto bad;
  if (colon) {
    char *end;
    unsigned long port = strtoul (colon + 1, &end, 10);
    if (end != slash || end == colon + 1 || port == 0 || port > 65535)
      goto bad;
    u->port = (unsigned) port;
  }
  u->path = xstrdup (slash);
  return 0;
 bad:
  ssh_url_free (u);
  set_error (EINVAL, "'%s' is not an ssh://[USER@]HOST[:PORT]/PATH URL",
             url);
  error_set_kind (V2K_ERR_USAGE);
  return -1;
}

void
ssh_url_free (struct ssh_url *u)
{
  free (u->user);
  free (u->host);
  free (u->path);
  memset (u, 0, sizeof *u);
}

char *
ssh_url_prefix (const struct ssh_url *u)
{
  bool v6 = strchr (u->host, ':') != NULL;
  char port[16] = "";

  if (u->port)
    snprintf (port, sizeof port, ":%u", u->port);
  return xasprintf ("ssh://%s%s%s%s%s%s", u->user ? u->user : "",
                    u->user ? "@" : "", v6 ? "[" : "", u->host,
                    v6 ? "]" : "", port);
}

/* ---- Connections ---- */

static void
conn_free (struct ssh_conn *c)
{
  if (!c)
    return;
  if (c->f)
    sftp_close (c->f);
  free (c->fpath);
  if (c->sftp)
    sftp_free (c->sftp);
  if (c->s) {
    ssh_disconnect (c->s);
    ssh_free (c->s);
  }
  free (c);
}

/* The server's key's SHA-256 fingerprint ("SHA256:..."), or NULL. */
static char *
server_fingerprint (ssh_session s)
{
  ssh_key key = NULL;
  unsigned char *hash = NULL;
  size_t hlen = 0;
  char *fp, *r;

  if (ssh_get_server_publickey (s, &key) != SSH_OK)
    return NULL;
  if (ssh_get_publickey_hash (key, SSH_PUBLICKEY_HASH_SHA256, &hash,
                              &hlen) != 0) {
    ssh_key_free (key);
    return NULL;
  }
  fp = ssh_get_fingerprint_hash (SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
  ssh_clean_pubkey_hash (&hash);
  ssh_key_free (key);
  r = fp ? xstrdup (fp) : NULL;
  ssh_string_free_char (fp);
  return r;
}

/* The host key must be one known_hosts has for this host. */
static int
check_host_key (struct ssh_tp *tp, ssh_session s)
{
  enum ssh_known_hosts_e k = ssh_session_is_known_server (s);
  CLEANUP_FREE char *fp = NULL;
  const char *what;

  if (k == SSH_KNOWN_HOSTS_OK)
    return 0;
  fp = server_fingerprint (s);
  switch (k) {
  case SSH_KNOWN_HOSTS_CHANGED:
    what = "host key CHANGED: known_hosts has another key for this host "
      "(a reinstalled host, or someone in the middle); the server offers";
    break;
  case SSH_KNOWN_HOSTS_OTHER:
    what = "host key of another type than the one known_hosts has for "
      "this host; the server offers";
    break;
  case SSH_KNOWN_HOSTS_ERROR:
    set_error (EACCES, "%s: cannot check the host key: %s", tp->prefix,
               ssh_get_error (s));
    error_set_kind (V2K_ERR_HYPERVISOR);
    return -1;
  default:                      /* UNKNOWN, NOT_FOUND (no known_hosts) */
    what = "unknown host key (not in ~/.ssh/known_hosts; check it and add "
      "it, e.g. by logging in once with ssh):";
    break;
  }
  set_error (EACCES, "%s: %s %s", tp->prefix, what, fp ? fp : "(none)");
  error_set_kind (V2K_ERR_HYPERVISOR);
  return -1;
}

static int
authenticate (struct ssh_tp *tp, ssh_session s)
{
  int rc = ssh_userauth_none (s, NULL);

  if (rc == SSH_AUTH_SUCCESS)
    return 0;
  /* ssh_userauth_publickey_auto tries the agent's keys (when an agent
   * runs), then the default identities; none prompts, as no passphrase
   * callback is set.  Calling ssh_userauth_agent first as well would ask
   * the agent twice, and libssh 0.10 leaks the first identity list when
   * asked again in one session (fixed upstream by libssh's commit
   * "agent: Avoid memory leaks", after 0.10.6). */
  if (ssh_userauth_publickey_auto (s, NULL, NULL) == SSH_AUTH_SUCCESS)
    return 0;
  set_error (EACCES, "%s: authentication refused (tried the ssh-agent's "
             "keys and ~/.ssh's default keys; v2kvm does not ask for "
             "passwords)", tp->prefix);
  error_set_kind (V2K_ERR_HYPERVISOR);
  return -1;
}

static void *
ssh_connect_op (void *opaque, bool *transient)
{
  struct ssh_tp *tp = opaque;
  struct ssh_conn *c = xzalloc (sizeof *c);
  long timeout = SSH_TIMEOUT;
  int port = (int) tp->u.port;

  *transient = false;
  c->s = ssh_new ();
  if (!c->s) {
    set_error (ENOMEM, "%s: cannot create an SSH session", tp->prefix);
    goto fail;
  }
  if (tp->ssh_dir)
    ssh_options_set (c->s, SSH_OPTIONS_SSH_DIR, tp->ssh_dir);
  ssh_options_set (c->s, SSH_OPTIONS_HOST, tp->u.host);
  if (tp->u.user)
    ssh_options_set (c->s, SSH_OPTIONS_USER, tp->u.user);
  ssh_options_set (c->s, SSH_OPTIONS_TIMEOUT, &timeout);
  /* ~/.ssh/config (HostName, Port, User, IdentityFile), then the URL's
   * port wins over it. */
  ssh_options_parse_config (c->s, NULL);
  if (port)
    ssh_options_set (c->s, SSH_OPTIONS_PORT, &port);
  if (ssh_connect (c->s) != SSH_OK) {
    set_error (EHOSTUNREACH, "%s: cannot connect: %s", tp->prefix,
               ssh_get_error (c->s));
    error_set_kind (V2K_ERR_HYPERVISOR);
    *transient = true;          /* refused, reset, timed out */
    goto fail;
  }
  if (check_host_key (tp, c->s) == -1 || authenticate (tp, c->s) == -1)
    goto fail;
  c->sftp = sftp_new (c->s);
  if (!c->sftp || sftp_init (c->sftp) != SSH_OK) {
    set_error (EPROTO, "%s: no SFTP on this server: %s", tp->prefix,
               ssh_get_error (c->s));
    error_set_kind (V2K_ERR_HYPERVISOR);
    *transient = ssh_is_connected (c->s) == 0;
    goto fail;
  }
  return c;
 fail:
  conn_free (c);
  return NULL;
}

static void
ssh_disconnect_op (void *opaque, void *conn)
{
  conn_free (conn);
}

/* After a failed SFTP call: set the error and say whether it is worth a
 * new connection (the session dropped) or final (the file's fault). */
static int
sftp_failure (struct ssh_tp *tp, struct ssh_conn *c, const char *path,
              const char *what)
{
  int code = sftp_get_error (c->sftp);

  if (!ssh_is_connected (c->s) || code == SSH_FX_CONNECTION_LOST ||
      code == SSH_FX_NO_CONNECTION) {
    set_error (ECONNRESET, "%s%s: %s: connection lost: %s", tp->prefix,
               path, what, ssh_get_error (c->s));
    return REMOTE_TRANSIENT;
  }
  switch (code) {
  case SSH_FX_NO_SUCH_FILE:
  case SSH_FX_NO_SUCH_PATH:
    set_error (ENOENT, "%s%s: no such file on the host", tp->prefix, path);
    break;
  case SSH_FX_PERMISSION_DENIED:
    set_error (EACCES, "%s%s: permission denied (the SSH login may not "
               "read it)", tp->prefix, path);
    break;
  default:
    set_error (EIO, "%s%s: %s failed: SFTP status %d: %s", tp->prefix, path,
               what, code, ssh_get_error (c->s));
    break;
  }
  error_set_kind (V2K_ERR_INPUT);
  return REMOTE_FAILED;
}

/* Run cmd over an exec channel; its stdout into *out (malloc'd,
 * NUL-terminated; reading stops at max bytes, *status then says
 * nothing useful).  REMOTE_OK when the command ran, whatever its exit
 * status (in *status). */
static int
exec_capture (struct ssh_tp *tp, struct ssh_conn *c, const char *cmd,
              size_t max, char **out, int *status)
{
  ssh_channel ch = ssh_channel_new (c->s);
  size_t len = 0, cap = 256;
  int n = 0;

  *status = -1;
  *out = xmalloc (cap);
  **out = '\0';
  if (!ch)
    goto lost;
  if (ssh_channel_open_session (ch) != SSH_OK ||
      ssh_channel_request_exec (ch, cmd) != SSH_OK) {
    ssh_channel_free (ch);
    goto lost;
  }
  for (;;) {
    if (len + 1 == cap) {
      if (cap > max)
        break;
      cap *= 2;
      *out = xreallocarray (*out, cap, 1);
    }
    n = ssh_channel_read_timeout (ch, *out + len, cap - 1 - len, 0,
                                  SSH_TIMEOUT * 1000);
    if (n <= 0)
      break;
    len += (size_t) n;
  }
  (*out)[len] = '\0';
  if (n < 0) {
    ssh_channel_free (ch);
    goto lost;
  }
  ssh_channel_send_eof (ch);
  ssh_channel_close (ch);
  *status = ssh_channel_get_exit_status (ch);
  ssh_channel_free (ch);
  return REMOTE_OK;
 lost:
  set_error (ECONNRESET, "%s: cannot run '%s': %s", tp->prefix, cmd,
             ssh_get_error (c->s));
  return ssh_is_connected (c->s) ? REMOTE_FAILED : REMOTE_TRANSIENT;
}

/* path in single quotes for the remote shell. */
static char *
shell_quote (const char *path)
{
  size_t n = 3;
  char *q, *p;

  for (const char *s = path; *s; ++s)
    n += *s == '\'' ? 4 : 1;
  q = p = xmalloc (n);
  *p++ = '\'';
  for (const char *s = path; *s; ++s) {
    if (*s == '\'') {
      memcpy (p, "'\\''", 4);
      p += 4;
    }
    else
      *p++ = *s;
  }
  *p++ = '\'';
  *p = '\0';
  return q;
}

/* A block device's size: stat says 0, so ask the kernel on the host. */
static int
block_size (struct ssh_tp *tp, struct ssh_conn *c, const char *path,
            uint64_t *size)
{
  CLEANUP_FREE char *q = shell_quote (path);
  CLEANUP_FREE char *cmd = xasprintf ("blockdev --getsize64 %s", q);
  CLEANUP_FREE char *out = NULL;
  char *end;
  int status, rc;

  rc = exec_capture (tp, c, cmd, 64, &out, &status);
  if (rc != REMOTE_OK)
    return rc;
  out[strcspn (out, "\r\n")] = '\0';
  errno = 0;
  *size = strtoull (out, &end, 10);
  if (status != 0 || errno || end == out || *end || *size == 0 ||
      *size % 512 != 0) {
    set_error (status == 0 ? EIO : EACCES, "%s%s: block device of unknown "
               "size ('%s' %s%s%s)", tp->prefix, path, cmd,
               status ? "failed" : "printed '", status ? "" : out,
               status ? "" : "'");
    error_set_kind (V2K_ERR_INPUT);
    return REMOTE_FAILED;
  }
  return REMOTE_OK;
}

static int
ssh_size_op (void *opaque, void *conn, const char *path, uint64_t *size)
{
  struct ssh_tp *tp = opaque;
  struct ssh_conn *c = conn;
  sftp_attributes a = sftp_stat (c->sftp, path);
  mode_t type;
  sftp_file f;

  if (!a)
    return sftp_failure (tp, c, path, "stat");
  type = a->permissions & S_IFMT;
  *size = a->size;
  sftp_attributes_free (a);
  if (type == S_IFDIR) {
    set_error (EISDIR, "%s%s is a directory", tp->prefix, path);
    error_set_kind (V2K_ERR_INPUT);
    return REMOTE_FAILED;
  }
  /* Readable?  (A block device needs root or group disk: say so now,
   * not at the first read.) */
  f = sftp_open (c->sftp, path, O_RDONLY, 0);
  if (!f)
    return sftp_failure (tp, c, path, "open");
  sftp_close (f);
  if (type == S_IFBLK)
    return block_size (tp, c, path, size);
  if (type != S_IFREG && type != 0) {
    set_error (EINVAL, "%s%s is neither a file nor a block device",
               tp->prefix, path);
    error_set_kind (V2K_ERR_INPUT);
    return REMOTE_FAILED;
  }
  return REMOTE_OK;
}

/* The allocation map of a file on the host, from a SEEK_DATA/SEEK_HOLE
 * walk (lseek(2)) run there over an exec channel: SFTP version 3 has
 * no request for it.  The walk is a few lines of Python (python3, then
 * python: 2.x has no os.SEEK_DATA, hence the constants' Linux values)
 * or Perl, whichever the host has; Linux hosts have one or the other
 * (Perl is part of Debian's base system), ESXi ships Python.  Each
 * prints nothing until the walk is done, so a failing one leaves no
 * partial output for the next.  Output: "START END" per data range,
 * then "end SIZE".  A file system without SEEK_DATA answers "all
 * data" (the kernel's generic lseek), so does a block device (its size
 * 0 there: the map is then not taken). */
#define MAP_PY \
  "import os,sys,errno\n" \
  "fd=os.open(sys.argv[1],os.O_RDONLY)\n" \
  "end=os.fstat(fd).st_size\n" \
  "D=getattr(os,\"SEEK_DATA\",3)\n" \
  "H=getattr(os,\"SEEK_HOLE\",4)\n" \
  "p=0\n" \
  "o=[]\n" \
  "while p<end:\n" \
  " try:\n" \
  "  d=os.lseek(fd,p,D)\n" \
  " except OSError as x:\n" \
  "  if x.errno!=errno.ENXIO:raise\n" \
  "  break\n" \
  " h=os.lseek(fd,d,H)\n" \
  " o.append(\"%d %d\\n\"%(d,h))\n" \
  " p=h\n" \
  "o.append(\"end %d\\n\"%end)\n" \
  "sys.stdout.write(\"\".join(o))\n"
#define MAP_PL \
  "open(F,\"<\",$ARGV[0]) or exit 1; $e=-s F; $p=0; $o=\"\";" \
  "while($p<$e){ $d=sysseek(F,$p,3);" \
  " if(!defined $d){ exit 1 unless $!{ENXIO}; last }" \
  " $h=sysseek(F,$d,4); defined $h or exit 1;" \
  " $o.=sprintf(\"%d %d\\n\",$d,$h); $p=$h }" \
  "print $o, sprintf(\"end %d\\n\",$e);"
/* At most this much output (about 2.5 million ranges). */
#define MAP_MAX (64 * 1024 * 1024)

static int
ssh_map_op (void *opaque, void *conn, const char *path, uint64_t size,
            extent_list *out)
{
  struct ssh_tp *tp = opaque;
  struct ssh_conn *c = conn;
  CLEANUP_FREE char *q = shell_quote (path);
  CLEANUP_FREE char *cmd = xasprintf ("{ python3 -c '%s' %s || "
                                      "python -c '%s' %s || "
                                      "perl -e '%s' %s; } 2>/dev/null",
                                      MAP_PY, q, MAP_PY, q, MAP_PL, q);
  CLEANUP_FREE char *text = NULL;
  const char *p;
  int status, rc;

  rc = exec_capture (tp, c, cmd, MAP_MAX, &text, &status);
  if (rc != REMOTE_OK)
    return rc;
  if (status != 0) {
    set_error (ENOTSUP, "%s%s: no SEEK_DATA walk on the host (neither "
               "python nor perl ran it: exit %d)", tp->prefix, path, status);
    return REMOTE_FAILED;
  }
  for (p = text; *p; ) {
    uint64_t s, e, end;
    int n = 0;
    if (sscanf (p, "end %" SCNu64 "%n", &end, &n) == 1 && n > 0) {
      p += n;
      if (*p == '\n' && p[1] == '\0' && end == size)
        return REMOTE_OK;
      break;
    }
    if (sscanf (p, "%" SCNu64 " %" SCNu64 "%n", &s, &e, &n) != 2 ||
        p[n] != '\n' || e <= s)
      break;
    struct extent x = { .offset = s, .length = e - s, .type = EXT_DATA };
    extent_list_append (out, x);
    p += n + 1;
  }
  set_error (EPROTO, "%s%s: the host's allocation map is not understood "
             "(or the file is not %" PRIu64 " bytes)", tp->prefix, path,
             size);
  return REMOTE_FAILED;
}

/* The open SFTP handle of path on c. */
static sftp_file
file_of (struct ssh_tp *tp, struct ssh_conn *c, const char *path, int *rc)
{
  if (c->f && strcmp (c->fpath, path) == 0)
    return c->f;
  if (c->f) {
    sftp_close (c->f);
    c->f = NULL;
    free (c->fpath);
    c->fpath = NULL;
  }
  c->f = sftp_open (c->sftp, path, O_RDONLY, 0);
  if (!c->f) {
    *rc = sftp_failure (tp, c, path, "open");
    return NULL;
  }
  c->fpath = xstrdup (path);
  return c->f;
}

/* Read count bytes at offset with up to SFTP_INFLIGHT requests queued:
 * the reply to each is awaited in order, and a new request is sent as
 * each one is taken, so the link stays busy. */
static int
ssh_read_op (void *opaque, void *conn, const char *path, void *buf,
             size_t count, uint64_t offset, size_t *done)
{
  struct ssh_tp *tp = opaque;
  struct ssh_conn *c = conn;
  int rc = REMOTE_OK;
  sftp_file f = file_of (tp, c, path, &rc);
  uint32_t ids[SFTP_INFLIGHT];
  uint32_t lens[SFTP_INFLIGHT];
  size_t sent = 0, head = 0, queued = 0;

  if (!f)
    return rc;
  if (sftp_seek64 (f, offset) < 0)
    return sftp_failure (tp, c, path, "seek");
  while (*done < count) {
    while (queued < SFTP_INFLIGHT && sent < count) {
      uint32_t len = (uint32_t) MIN ((size_t) SFTP_CHUNK, count - sent);
      int id = sftp_async_read_begin (f, len);
      if (id < 0)
        goto failed;
      ids[(head + queued) % SFTP_INFLIGHT] = (uint32_t) id;
      lens[(head + queued) % SFTP_INFLIGHT] = len;
      queued++;
      sent += len;
    }
    int n = sftp_async_read (f, (char *) buf + *done, lens[head], ids[head]);
    if (n < 0)
      goto failed;
    if ((uint32_t) n != lens[head]) {
      /* Short or EOF: a file that shrank, or a server that caps the
       * reply; the remaining requests are at the wrong offsets. */
      set_error (EIO, "%s%s: short read at offset %" PRIu64 " (%d of %"
                 PRIu32 " bytes): the file changed?", tp->prefix, path,
                 offset + *done, n, lens[head]);
      error_set_kind (V2K_ERR_INPUT);
      /* The queued replies would be read as the next data: drop the
       * connection (the remote layer retries on a new one). */
      *done += (size_t) n;
      return n == 0 ? REMOTE_FAILED : REMOTE_TRANSIENT;
    }
    *done += (size_t) n;
    head = (head + 1) % SFTP_INFLIGHT;
    queued--;
  }
  return REMOTE_OK;
 failed:
  /* Replies still queued are abandoned with the connection (dropped by
   * the caller on any failure). */
  return sftp_failure (tp, c, path, "read");
}

/* name next to path: an absolute name as it is, a relative one in
 * path's directory.  The remote source normalises the result and keeps
 * it inside the directory the user's file is in (formats/bfile-remote.c
 * remote_sibling, the reference rule of refs.h). */
static char *
ssh_resolve_op (void *opaque, const char *path, const char *name)
{
  const char *slash = strrchr (path, '/');

  (void) opaque;
  if (name[0] == '/')
    return xstrdup (name);
  return xasprintf ("%.*s/%s", slash ? (int) (slash - path) : 0, path, name);
}

static void
ssh_close_op (void *opaque)
{
  struct ssh_tp *tp = opaque;

  ssh_url_free (&tp->u);
  free (tp->prefix);
  free (tp->ssh_dir);
  free (tp);
}

static const struct remote_ops ssh_ops = {
  .connect = ssh_connect_op,
  .disconnect = ssh_disconnect_op,
  .size = ssh_size_op,
  .read = ssh_read_op,
  .map = ssh_map_op,
  .resolve = ssh_resolve_op,
  .close = ssh_close_op,
};

struct remote *
ssh_remote_new (const struct ssh_url *u, const struct remote_params *params)
{
  struct ssh_tp *tp = xzalloc (sizeof *tp);
  const char *home = getenv ("HOME");

  tp->u.user = u->user ? xstrdup (u->user) : NULL;
  tp->u.host = xstrdup (u->host);
  tp->u.port = u->port;
  tp->u.path = xstrdup (u->path);
  tp->prefix = ssh_url_prefix (u);
  /* ~ is $HOME, as for ssh in the shell (libssh alone would take the
   * password database's home). */
  if (home && *home)
    tp->ssh_dir = xasprintf ("%s/.ssh", home);
  return remote_new (&ssh_ops, tp, tp->prefix, params);
}
