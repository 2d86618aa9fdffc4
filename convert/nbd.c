/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: run nbdkit with our plugin (see nbd.h). */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blk.h"
#include "cleanup.h"
#include "error.h"
#include "nbd.h"
#include "xalloc.h"

#define NBDKIT_START_TIMEOUT_MS 30000

char *
nbd_plugin_path (void)
{
  const char *env = getenv ("V2KVM_NBDKIT_PLUGIN");
  char exe[PATH_MAX];
  ssize_t n;

  if (env && *env)
    return xstrdup (env);
  n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *p = xasprintf ("%s/nbdkit-v2kvm-plugin.so", dirname (exe));
    if (access (p, R_OK) == 0)
      return p;
    free (p);
  }
  return xstrdup (NBDKIT_PLUGINDIR "/nbdkit-v2kvm-plugin.so");
}

/* True once nbdkit listens: it writes its pidfile after binding and
 * listening on the socket (nbdkit(1) --pidfile).  Connecting to find out
 * would make nbdkit log a failed handshake. */
static int
server_ready (const char *pidfile)
{
  struct stat st;

  return stat (pidfile, &st) == 0 && st.st_size > 0;
}

static void
sleep_ms (long ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
  nanosleep (&ts, NULL);
}

struct nbd_server *
nbd_serve (const char *disk, const struct blk_open_options *opts,
           const char *dir, const struct nbd_remote *remote)
{
  static unsigned counter;
  CLEANUP_FREE char *plugin = nbd_plugin_path ();
  CLEANUP_FREE char *file_arg = xasprintf ("file=%s", disk);
  CLEANUP_FREE char *format_arg =
    opts->format ? xasprintf ("format=%s", opts->format) : NULL;
  CLEANUP_FREE char *member_arg =
    opts->disk ? xasprintf ("disk=%s", opts->disk) : NULL;
  CLEANUP_FREE char *referrer_arg =
    opts->referrer ? xasprintf ("referrer=%s", opts->referrer) : NULL;
  struct nbd_server *s = xzalloc (sizeof *s);
  int pw[2] = { -1, -1 };
  int status;

  s->socket = xasprintf ("%s/nbd%u.sock", dir, counter);
  s->pidfile = xasprintf ("%s/nbd%u.pid", dir, counter++);
  /* A remote disk's password: on a pipe nbdkit reads (password=-FD,
   * nbdkit_read_password in nbdkit-plugin(3)); it is short, so the
   * pipe holds it before nbdkit starts. */
  if (remote && remote->password) {
    size_t len = strlen (remote->password);
    if (pipe (pw) == -1 ||
        write (pw[1], remote->password, len) != (ssize_t) len) {
      set_error_errno ("cannot pass the password to nbdkit");
      if (pw[0] >= 0) { close (pw[0]); close (pw[1]); }
      nbd_stop (s);
      return NULL;
    }
    close (pw[1]);
  }
  s->pid = fork ();
  if (s->pid == -1) {
    set_error_errno ("cannot start nbdkit");
    error_set_kind (V2K_ERR_HYPERVISOR);
    nbd_stop (s);
    return NULL;
  }
  if (s->pid == 0) {
    const char *argv[36] = {
      "nbdkit", "--exit-with-parent", "--foreground", "--readonly",
      "--unix", s->socket, "--pidfile", s->pidfile, plugin, file_arg,
    };
    size_t i = 10;
    char pwarg[64];
    CLEANUP_FREE char *statsarg = remote && remote->stats
      ? xasprintf ("remote-stats=%s", remote->stats) : NULL;
    if (format_arg) argv[i++] = format_arg;
    if (member_arg) argv[i++] = member_arg;
    if (referrer_arg) argv[i++] = referrer_arg;
    if (opts->allow_external_refs) argv[i++] = "allow-external-refs=true";
    for (size_t k = 0; remote && remote->args && remote->args[k] && i < 28;
         k++)
      argv[i++] = remote->args[k];
    if (pw[0] >= 0) {
      snprintf (pwarg, sizeof pwarg, "remote-password=-%d", pw[0]);
      argv[i++] = pwarg;
    }
    if (statsarg)
      argv[i++] = statsarg;
    argv[i] = NULL;
    if (!v2k_verbose) {
      int null = open ("/dev/null", O_WRONLY);
      if (null >= 0) dup2 (null, 1);
    }
    execvp ("nbdkit", (char **) argv);   /* pw[0] has no CLOEXEC */
    fprintf (stderr, "v2kvm: cannot run nbdkit: %m\n");
    _exit (127);
  }
  if (pw[0] >= 0)
    close (pw[0]);
  for (long waited = 0; !server_ready (s->pidfile); waited += 20) {
    if (waitpid (s->pid, &status, WNOHANG) == s->pid) {
      s->pid = 0;
      set_error (EIO, "nbdkit failed to serve '%s' (exit status %d); "
                 "run with -v for its messages", disk,
                 WIFEXITED (status) ? WEXITSTATUS (status) : -1);
      error_set_kind (V2K_ERR_HYPERVISOR);
      nbd_stop (s);
      return NULL;
    }
    if (waited > NBDKIT_START_TIMEOUT_MS || check_interrupted () == -1) {
      if (!v2k_interrupted) {
        set_error (ETIMEDOUT, "nbdkit did not start serving '%s' within %d s",
                   disk, NBDKIT_START_TIMEOUT_MS / 1000);
        error_set_kind (V2K_ERR_HYPERVISOR);
      }
      nbd_stop (s);
      return NULL;
    }
    sleep_ms (20);
  }
  s->uri = xasprintf ("nbd+unix:///?socket=%s", s->socket);
  s->qemu_uri = xasprintf ("nbd:unix:%s", s->socket);
  debug ("nbdkit pid %d serving '%s' at %s", (int) s->pid, disk, s->uri);
  return s;
}

void
nbd_stop (struct nbd_server *s)
{
  if (!s)
    return;
  if (s->pid > 0) {
    kill (s->pid, SIGTERM);
    waitpid (s->pid, NULL, 0);
  }
  if (s->socket)
    unlink (s->socket);
  if (s->pidfile)
    unlink (s->pidfile);
  free (s->socket);
  free (s->pidfile);
  free (s->uri);
  free (s->qemu_uri);
  free (s);
}

void
nbd_stats_debug (const string_vector *stats)
{
  for (size_t i = 0; i < stats->len; i++) {
    char line[200] = "";
    FILE *fp = fopen (stats->ptr[i], "r");
    if (fp && fgets (line, sizeof line, fp))
      debug ("remote: NBD server %zu (the fixups' reads): bytes requests "
             "retries hits ms: %.*s", i, (int) strcspn (line, "\n"), line);
    if (fp)
      fclose (fp);
  }
}

uint64_t
nbd_stats_total (const string_vector *stats)
{
  uint64_t total = 0;

  for (size_t i = 0; i < stats->len; i++) {
    FILE *fp = fopen (stats->ptr[i], "r");
    uint64_t n;
    if (fp && fscanf (fp, "%" SCNu64, &n) == 1)
      total += n;
    if (fp)
      fclose (fp);
  }
  return total;
}
