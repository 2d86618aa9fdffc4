/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: running a batch (batch.h): up to N children `v2kvm convert
 * --machine-readable WORDS...`, each in its own process group with its
 * log (stderr) and its JSON lines (stdout, given a "guest" field) in the
 * state directory; the journal record of a guest is written before it
 * starts (running), when its output's files are known (targets), and
 * when it ends.  On SIGINT/SIGTERM every child gets SIGINT (convert then
 * stops its appliance and removes its partial output), SIGTERM after
 * STOP_GRACE seconds and SIGKILL after STOP_KILL; every record is then
 * written as interrupted and -1 returned. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "cleanup.h"
#include "copy.h"
#include "error.h"
#include "fixup.h"
#include "json.h"
#include "xalloc.h"

#define STOP_GRACE 60.0
#define STOP_KILL 120.0
#define DRAW_INTERVAL 0.5

struct child {
  const struct plan_guest *pg;
  struct job_record rec;
  pid_t pid;
  int fd;                       /* its stdout */
  char *buf;                    /* a partial line */
  size_t len, cap;
  FILE *jsonl;
  double t0;
  char phase[16];
  uint64_t done, total;
  bool result;
};

struct run {
  const struct batch_options *o;
  struct child *kids;           /* parallel slots; pid 0 = free */
  unsigned nkids;
  unsigned ndone, nfailed, nleft;
  uint64_t copied;
  double busy;                  /* seconds of finished runs */
  double stop_t0;               /* when the interrupt was forwarded */
  int stop_stage;
  bool tty;
  unsigned drawn;
  double last_draw;
};

/* ---- the children's JSON lines: only the few fields batch needs ---- */

/* The string value of "key" in a JSON object line (first occurrence),
 * decoded (\uXXXX below 0x80 kept, others '?'); NULL when absent. */
char *
jget_str (const char *line, const char *key)
{
  CLEANUP_FREE char *pat = xasprintf ("\"%s\":\"", key);
  const char *p = strstr (line, pat);
  char *out, *o;

  if (!p)
    return NULL;
  p += strlen (pat);
  o = out = xmalloc (strlen (p) + 1);
  for (; *p && *p != '"'; ++p) {
    if (*p != '\\' || !p[1]) {
      *o++ = *p;
      continue;
    }
    switch (*++p) {
    case 'n': *o++ = '\n'; break;
    case 't': *o++ = '\t'; break;
    case 'r': *o++ = '\r'; break;
    case 'b': *o++ = '\b'; break;
    case 'f': *o++ = '\f'; break;
    case 'u': {
      unsigned v = 0;
      if (sscanf (p + 1, "%4x", &v) == 1 && strlen (p + 1) >= 4)
        p += 4;
      *o++ = v && v < 0x80 ? (char) v : '?';
      break;
    }
    default: *o++ = *p;
    }
  }
  *o = '\0';
  return out;
}

/* Sum of every number value of "key" in the line. */
uint64_t
jsum_u64 (const char *line, const char *key)
{
  CLEANUP_FREE char *pat = xasprintf ("\"%s\":", key);
  uint64_t sum = 0;

  for (const char *p = strstr (line, pat); p; p = strstr (p, pat)) {
    p += strlen (pat);
    sum += strtoull (p, NULL, 10);
  }
  return sum;
}

static bool
jtype (const char *line, const char *type)
{
  CLEANUP_FREE char *pat = xasprintf ("{\"type\":\"%s\"", type);

  return strncmp (line, pat, strlen (pat)) == 0;
}

/* "targets": the JSON strings of its "paths" array. */
static void
take_targets (struct child *k, const char *line)
{
  const char *p = strstr (line, "\"paths\":[");

  string_vector_free_all (&k->rec.targets);
  if (!p)
    return;
  p += 9;
  while (*p == '"') {
    CLEANUP_FREE char *tmp = xasprintf ("{\"p\":%s", p);
    char *s = jget_str (tmp, "p");
    const char *end = p + 1;
    while (*end && *end != '"')
      end += end[0] == '\\' && end[1] ? 2 : 1;
    string_vector_append (&k->rec.targets, s);
    p = *end ? end + 1 : end;
    if (*p == ',')
      ++p;
  }
}

static void
on_line (struct run *r, struct child *k, char *line)
{
  const char *name = k->rec.name;

  if (line[0] != '{')
    return;                     /* not ours: convert prints only JSON */
  if (k->jsonl || r->o->machine) {
    /* the same line with the guest first */
    char *tagged;
    char *esc = NULL;
    size_t esclen = 0;
    FILE *m = open_memstream (&esc, &esclen);
    json_string (m, name);
    fclose (m);
    tagged = xasprintf ("{\"guest\":%s,%s\n", esc, line + 1);
    free (esc);
    if (k->jsonl)
      fputs (tagged, k->jsonl);
    if (r->o->machine) {
      fputs (tagged, stdout);
      fflush (stdout);
    }
    free (tagged);
  }
  if (jtype (line, "targets")) {
    take_targets (k, line);
    if (journal_write (r->o->state, &k->rec) == -1)
      warning ("journal-write-failed", "%s", get_error ());
  }
  else if (jtype (line, "warning"))
    k->rec.warnings++;
  else if (jtype (line, "error")) {
    free (k->rec.message);
    k->rec.message = jget_str (line, "message");
  }
  else if (jtype (line, "phase") && strstr (line, "\"event\":\"start\"")) {
    CLEANUP_FREE char *ph = jget_str (line, "phase");
    snprintf (k->phase, sizeof k->phase, "%s", ph ? ph : "");
    k->done = k->total = 0;
  }
  else if (jtype (line, "progress")) {
    k->done = jsum_u64 (line, "done");
    k->total = jsum_u64 (line, "total");
  }
  else if (jtype (line, "result")) {
    k->result = true;
    k->rec.bytes_read = jsum_u64 (line, "bytes_read");
    k->rec.bytes_written = jsum_u64 (line, "bytes_written");
  }
}

/* Read what the child wrote; whole lines go to on_line. */
static void
drain (struct run *r, struct child *k)
{
  char chunk[4096];
  ssize_t n;

  while ((n = read (k->fd, chunk, sizeof chunk)) > 0) {
    if (k->len + (size_t) n + 1 > k->cap)
      k->buf = xreallocarray (k->buf,
                                 k->cap = 2 * (k->len + (size_t) n + 1), 1);
    memcpy (k->buf + k->len, chunk, (size_t) n);
    k->len += (size_t) n;
    for (char *nl; (nl = memchr (k->buf, '\n', k->len)); ) {
      size_t used = (size_t) (nl - k->buf) + 1;
      *nl = '\0';
      on_line (r, k, k->buf);
      memmove (k->buf, nl + 1, k->len - used);
      k->len -= used;
    }
  }
}

/* ---- starting and ending ---- */

static void
remove_file (const struct job_record *rec, const char *path)
{
  if (unlink (path) == 0)
    warning ("partial-output-removed", "%s: removed '%s', left by an interrupted run", rec->name, path);
}

/* What a run killed before it could clean up leaves: its output files
 * and the writer's temporary files beside them (formats/writer.h:
 * ".NAME.v2kvm-tmp-XXXXXX"). */
static void
remove_targets (const struct job_record *rec)
{
  for (size_t i = 0; i < rec->targets.len; ++i) {
    CLEANUP_FREE char *copy = xstrdup (rec->targets.ptr[i]);
    CLEANUP_FREE char *pat = NULL;
    char *slash = strrchr (copy, '/');
    glob_t gl;
    remove_file (rec, rec->targets.ptr[i]);
    if (slash) {
      *slash = '\0';
      pat = xasprintf ("%s/.%s.v2kvm-tmp-??????", copy, slash + 1);
    }
    else
      pat = xasprintf (".%s.v2kvm-tmp-??????", copy);
    if (glob (pat, GLOB_NOSORT, NULL, &gl) == 0) {
      for (size_t k = 0; k < gl.gl_pathc; ++k)
        remove_file (rec, gl.gl_pathv[k]);
      globfree (&gl);
    }
  }
}

pid_t
batch_spawn (char *const *argv, int errfd, int *outfd)
{
  int pfd[2];
  pid_t pid;

  if (pipe2 (pfd, O_CLOEXEC) == -1) {
    set_error_errno ("pipe");
    return -1;
  }
  fflush (NULL);
  pid = fork ();
  if (pid == 0) {
    int nul = open ("/dev/null", O_RDONLY);
    setpgid (0, 0);             /* a terminal's Ctrl-C reaches batch only */
    prctl (PR_SET_PDEATHSIG, SIGTERM);  /* batch killed: stop too */
    signal (SIGINT, SIG_DFL);
    signal (SIGTERM, SIG_DFL);
    signal (SIGPIPE, SIG_DFL);
    dup2 (nul, STDIN_FILENO);
    dup2 (pfd[1], STDOUT_FILENO);
    dup2 (errfd, STDERR_FILENO);
    execv (argv[0], argv);
    dprintf (errfd, "v2kvm batch: cannot run '%s': %m\n", argv[0]);
    _exit (127);
  }
  close (pfd[1]);
  if (pid == -1) {
    close (pfd[0]);
    set_error_errno ("fork");
    return -1;
  }
  setpgid (pid, pid);           /* also here: no race with kill (-pid) */
  *outfd = pfd[0];
  fcntl (*outfd, F_SETFL, O_NONBLOCK);
  return pid;
}

char *
batch_self_exe (void)
{
  char buf[4096];
  ssize_t n = readlink ("/proc/self/exe", buf, sizeof buf - 1);

  if (n <= 0)
    return xstrdup ("v2kvm");
  buf[n] = '\0';
  /* replaced since it started (a reinstall): run the new one (proc(5)) */
  if (n > 10 && strcmp (buf + n - 10, " (deleted)") == 0)
    buf[n - 10] = '\0';
  return xstrdup (buf);
}

unsigned
batch_smp (unsigned parallel)
{
  long cores = sysconf (_SC_NPROCESSORS_ONLN);
  long smp = parallel ? cores / (long) parallel : cores;

  return smp < 1 ? 1 : smp > FIXUP_MAX_SMP ? FIXUP_MAX_SMP : (unsigned) smp;
}

char **
batch_child_argv (const char *exe, const char *cmd, const char *flag,
                  unsigned parallel, const struct plan_guest *pg,
                  char **smpbuf)
{
  char **argv = xzalloc ((size_t) (pg->argc + 5) * sizeof *argv);

  *smpbuf = xasprintf ("%u", batch_smp (parallel));
  argv[0] = (char *) exe;
  argv[1] = (char *) cmd;
  argv[2] = (char *) flag;
  argv[3] = (char *) "--smp";
  argv[4] = *smpbuf;
  for (int i = 1; i < pg->argc; ++i)
    argv[4 + i] = pg->argv[i];
  return argv;
}

static int
start_child (struct run *r, struct child *k, const struct plan_guest *pg,
             struct job_record *old)
{
  const struct batch_options *o = r->o;
  CLEANUP_FREE char *exe = batch_self_exe ();
  CLEANUP_FREE char *jpath = xasprintf ("%s/logs/%s.jsonl", o->state,
                                        pg->name);
  CLEANUP_FREE char *smp = NULL;
  CLEANUP_FREE char **argv = batch_child_argv (exe, "convert",
                                               "--machine-readable",
                                               o->parallel, pg, &smp);
  int pfd[1], logfd;
  time_t now = time (NULL);

  if (old->status == JOB_RUNNING || old->status == JOB_INTERRUPTED)
    remove_targets (old);
  memset (k, 0, sizeof *k);
  k->pg = pg;
  k->rec.name = xstrdup (pg->name);
  k->rec.line = pg->line;
  k->rec.status = JOB_RUNNING;
  k->rec.start = (int64_t) now;
  k->rec.log = xasprintf ("%s/logs/%s.log", o->state, pg->name);
  k->t0 = copy_now ();
  if (journal_write (o->state, &k->rec) == -1)
    return -1;
  logfd = open (k->rec.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (logfd == -1) {
    set_error_errno ("cannot open the log '%s'", k->rec.log);
    error_set_kind (V2K_ERR_OUTPUT);
    return -1;
  }
  dprintf (logfd, "=== v2kvm batch: %s (plan line %u) started %s", pg->name,
           pg->line, ctime (&now));
  k->jsonl = fopen (jpath, "ae");
  k->pid = batch_spawn (argv, logfd, &pfd[0]);
  close (logfd);
  if (k->pid == -1) {
    k->pid = 0;
    if (k->jsonl)
      fclose (k->jsonl);
    job_record_free (&k->rec);
    return -1;
  }
  k->fd = pfd[0];
  if (!o->machine && !r->tty && !v2k_quiet)
    printf ("batch: %s: started (plan line %u)\n", pg->name, pg->line);
  return 0;
}

/* The child has exited with wait status ws: its final record. */
static int
end_child (struct run *r, struct child *k, int ws, job_record_list *out)
{
  struct job_record *rec = &k->rec;
  int code = WIFEXITED (ws) ? WEXITSTATUS (ws)
    : 128 + (WIFSIGNALED (ws) ? WTERMSIG (ws) : 0);

  drain (r, k);
  close (k->fd);
  if (k->jsonl)
    fclose (k->jsonl);
  free (k->buf);
  rec->exit = code;
  rec->seconds = copy_now () - k->t0;
  if (code == 0)
    rec->status = JOB_DONE;
  else if (code == V2K_EXIT_INTERRUPTED || (v2k_interrupted &&
                                            !WIFEXITED (ws)))
    rec->status = JOB_INTERRUPTED;
  else
    rec->status = JOB_FAILED;
  if (code == 0 || rec->status == JOB_FAILED) {
    /* a finished run owns its files; a failed one removed them */
    string_vector_free_all (&rec->targets);
  }
  else if (!WIFEXITED (ws))
    remove_targets (rec);       /* killed: it could not clean up */
  if (rec->status != JOB_DONE && !rec->message)
    rec->message = xasprintf (WIFEXITED (ws) ? "exit %d, see %s"
                              : "killed by signal %d, see %s",
                              WIFEXITED (ws) ? code : WTERMSIG (ws),
                              rec->log);
  if (rec->status == JOB_DONE) {
    r->ndone++;
    r->copied += rec->bytes_written;
  }
  else if (rec->status == JOB_FAILED)
    r->nfailed++;
  r->busy += rec->seconds;
  if (!r->o->machine && !r->tty && !v2k_quiet) {
    if (rec->status == JOB_DONE)
      printf ("batch: %s: converted in %.1f s\n", rec->name, rec->seconds);
    else
      printf ("batch: %s: %s (exit %d, %s): %s\n", rec->name,
              job_status_name (rec->status), code, exit_class_name (code),
              rec->message);
    fflush (stdout);
  }
  job_record_list_append (out, *rec);
  k->pid = 0;
  return journal_write (r->o->state, rec);
}

/* ---- the status lines on a terminal ---- */

static void
human_bytes (char *buf, size_t len, uint64_t b)
{
  snprintf (buf, len, "%.1f GiB", (double) b / (1 << 30));
}

static void
draw (struct run *r, bool force)
{
  double now = copy_now ();
  unsigned running = 0, total;
  char copied[32];

  if (!r->tty || (!force && now - r->last_draw < DRAW_INTERVAL))
    return;
  r->last_draw = now;
  if (r->drawn)
    fprintf (stderr, "\033[%uA", r->drawn);
  for (unsigned i = 0; i < r->nkids; ++i) {
    struct child *k = &r->kids[i];
    if (!k->pid)
      continue;
    running++;
    fprintf (stderr, "\r\033[K  %-24.24s %-9s", k->rec.name,
             k->phase[0] ? k->phase : "starting");
    if (k->total)
      fprintf (stderr, " %5.1f%%", 100.0 * (double) k->done /
               (double) k->total);
    fprintf (stderr, " %6.0f s\n", now - k->t0);
  }
  total = r->ndone + r->nfailed + r->nleft;
  human_bytes (copied, sizeof copied, r->copied);
  {
    unsigned fin = r->ndone + r->nfailed, width = 30;
    unsigned fill = total ? fin * width / total : width;
    fprintf (stderr, "\r\033[K[%.*s%*s] %u done, %u failed, %u left, %s "
             "copied", (int) fill, "##############################",
             (int) (width - fill), "", r->ndone, r->nfailed, r->nleft,
             copied);
    if (fin && r->nleft)
      fprintf (stderr, ", about %.0f min left",
               r->busy / fin * r->nleft / r->o->parallel / 60.0);
    fputc ('\n', stderr);
  }
  /* erase lines of children that ended since the last drawing */
  for (unsigned i = running + 1; i < r->drawn; ++i)
    fprintf (stderr, "\033[K\n");
  if (r->drawn > running + 1)
    fprintf (stderr, "\033[%uA", r->drawn - running - 1);
  r->drawn = running + 1;
}

/* ---- the loop ---- */

static void
forward_stop (struct run *r)
{
  double now = copy_now ();
  int sig;

  if (r->stop_stage == 0) {
    r->stop_t0 = now;
    sig = SIGINT;
  }
  else if (r->stop_stage == 1 && now - r->stop_t0 > STOP_GRACE)
    sig = SIGTERM;
  else if (r->stop_stage == 2 && now - r->stop_t0 > STOP_KILL)
    sig = SIGKILL;
  else
    return;
  r->stop_stage++;
  for (unsigned i = 0; i < r->nkids; ++i)
    if (r->kids[i].pid)
      kill (-r->kids[i].pid, sig);
}

int
batch_run (const plan_guest_list *plan, const struct batch_options *o,
           job_record_list *out)
{
  struct run r = { .o = o, .tty = !o->machine && !v2k_quiet &&
                   isatty (STDERR_FILENO) };
  size_t next = 0, running = 0;
  int ret = 0;

  if (journal_open (o->state) == -1)
    return -1;
  r.nkids = o->parallel;
  r.kids = xzalloc (r.nkids * sizeof *r.kids);
  r.nleft = (unsigned) plan->len;
  while (next < plan->len || running) {
    struct pollfd pfd[64];
    unsigned npfd = 0;

    if (v2k_interrupted)
      forward_stop (&r);
    /* start what fits */
    while (!v2k_interrupted && ret == 0 && running < r.nkids &&
           next < plan->len) {
      const struct plan_guest *pg = &plan->ptr[next++];
      struct job_record old = { 0 };
      int found = journal_read (o->state, pg->name, &old);
      if (found == -1) {
        ret = -1;
        break;
      }
      if (found && (old.status == JOB_DONE ||
                    (old.status == JOB_FAILED && !o->retry_failed))) {
        r.nleft--;
        if (old.status == JOB_DONE)
          r.ndone++;
        else
          r.nfailed++;
        job_record_list_append (out, old);
        continue;
      }
      for (unsigned i = 0; i < r.nkids; ++i)
        if (!r.kids[i].pid) {
          if (start_child (&r, &r.kids[i], pg, &old) == -1)
            ret = -1;
          else {
            running++;
            r.nleft--;
          }
          break;
        }
      job_record_free (&old);
    }
    if (ret == -1 && running == 0)
      break;
    if (ret == -1 && !v2k_interrupted)
      v2k_interrupted = 1;      /* journal broken: stop the others */
    if (!running && (v2k_interrupted || next >= plan->len))
      break;
    for (unsigned i = 0; i < r.nkids && npfd < 64; ++i)
      if (r.kids[i].pid) {
        pfd[npfd].fd = r.kids[i].fd;
        pfd[npfd++].events = POLLIN;
      }
    poll (pfd, npfd, 200);
    for (unsigned i = 0; i < r.nkids; ++i) {
      struct child *k = &r.kids[i];
      int ws;
      if (!k->pid)
        continue;
      drain (&r, k);
      if (waitpid (k->pid, &ws, WNOHANG) == k->pid) {
        if (end_child (&r, k, ws, out) == -1)
          ret = -1;
        running--;
      }
    }
    draw (&r, false);
  }
  draw (&r, true);
  free (r.kids);
  if (v2k_interrupted) {
    /* guests not started keep their records (pending, or as they were) */
    if (ret == 0)
      check_interrupted ();
    return -1;
  }
  return ret;
}

void
batch_print_table (FILE *fp, const job_record_list *l)
{
  fprintf (fp, "%-24s %-11s %4s %-11s %9s  %s\n", "GUEST", "STATUS", "EXIT",
           "CLASS", "SECONDS", "MESSAGE");
  for (size_t i = 0; i < l->len; ++i) {
    const struct job_record *r = &l->ptr[i];
    fprintf (fp, "%-24s %-11s %4d %-11s %9.1f  %s\n", r->name,
             job_status_name (r->status), r->exit,
             r->status == JOB_PENDING ? "" : exit_class_name (r->exit),
             r->seconds, r->message ? r->message : "");
  }
}
