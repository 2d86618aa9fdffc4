/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: outputs: where converted disks go and how the guest is
 * registered (virt-v2v output/output.mli: options checked before any
 * copying, disk targets chosen up front, metadata written last).
 *
 *   -o local    disks NAME-sdX.FMT + NAME.xml in a directory (no daemon)
 *   -o libvirt  volumes in a storage pool + a defined domain (libvirt API;
 *               remote URIs upload through streams)
 *   -o qemu     disks + NAME.sh, a script that boots the guest with qemu
 *   -o null     nothing is kept (benchmarks, dry runs)
 */
#ifndef V2K_OUTPUT_H
#define V2K_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct output_opts {
  const char *type;             /* "local" (default), "libvirt", "qemu", "null" */
  const char *storage;          /* -os: directory, or libvirt pool name */
  const char *uri;              /* -oc: libvirt URI (libvirt output) */
  const char *format;           /* -of: "qcow2" (default) or "raw" */
  bool preallocated;            /* -oa preallocated */
  bool replace;                 /* --replace existing domain/volumes/files */
};

/* One output disk, chosen by prepare(). */
struct output_target {
  char *name;                   /* "NAME-sda" */
  char *path;                   /* local file the copy writes (final name);
                                   NULL for -o null */
  char *domain_path;            /* what the domain XML names (remote path
                                   for a remote pool; else == path) */
  const char *format;           /* "qcow2" or "raw" */
  uint64_t size;                /* virtual size */

  /* Private to the outputs: the file that was at path when prepare()
   * chose it (output_note_existing), so that abort() removes only what
   * this run wrote and never an older disk that --replace was about to
   * replace, or that a refused run found in its way. */
  bool had_old;
  uint64_t old_dev, old_ino;
};

struct output;

struct output_driver {
  const char *name;

  /* Pre-flight, before any appliance starts or any byte is copied:
   * connect, check the destination exists, the names are free (or
   * --replace), and there is room for estimated bytes; fill
   * targets[i].name/path/domain_path/format.  The caller has set
   * targets[i].size (virtual size) and zeroed the rest.  Creates nothing yet except
   * what abort() removes.  0, or -1 + set_error (kind OUTPUT or
   * HYPERVISOR). */
  int (*prepare) (struct output *o, const char *guest_name,
                  size_t n, struct output_target *targets,
                  uint64_t estimated_bytes);

  /* After every disk was copied and renamed into place: store the disks
   * (libvirt upload for remote pools) and write or define the domain.
   * xml is the domain XML; script_args the qemu command line for -o qemu
   * (NULL otherwise).  0 or -1 + set_error. */
  int (*finalize) (struct output *o, const char *guest_name,
                   size_t n, struct output_target *targets,
                   const char *xml, const char *qemu_script);

  /* After a failure: remove what prepare/finalize created.  Never fails. */
  void (*abort) (struct output *o, size_t n, struct output_target *targets);

  /* Optional: release o->priv (connections).  Called by output_free. */
  void (*close) (struct output *o);
};

struct output {
  const struct output_driver *drv;
  struct output_opts opts;
  void *priv;                   /* driver state (libvirt connection) */
};

/* Find the driver for opts->type and fill defaults; NULL + set_error
 * (usage) for an unknown type. */
struct output *output_new (const struct output_opts *opts);
void output_free (struct output *o);

/* Free the strings in targets (not the array). */
void output_targets_clear (size_t n, struct output_target *targets);

/* Check dir exists, is writable and has room for bytes (statvfs).
 * 0 or -1 + set_error (kind OUTPUT). */
int output_check_dir (const char *dir, uint64_t bytes);

/* Write contents to path atomically (temp file, fsync, rename) with the
 * given mode.  0 or -1 + set_error (kind OUTPUT). */
int output_write_file (const char *path, const char *contents, int mode);

/* Error unless path is free or replace is set (kind OUTPUT). */
int output_refuse_existing (const char *path, bool replace);

/* The disk name of target i: "NAME-sda" ... "NAME-sdz", "NAME-sdaa"...
 * (malloc'd). */
char *output_target_name (const char *guest_name, size_t i);

/* Remember what is at t->path now (call in prepare as soon as the path
 * is chosen, before refusing it). */
void output_note_existing (struct output_target *t);

/* abort(): unlink t->path unless it is still the file noted by
 * output_note_existing (or there is none).  Never fails. */
void output_remove_written (const struct output_target *t);

/* For the outputs that write into a directory (-o local, -o qemu;
 * out-local.c).  output_dir: -os, default ".".  output_dir_prepare is
 * their prepare(): check the directory and its room, refuse an existing
 * DIR/NAME<meta_suffix> (the file finalize() writes: ".xml", ".sh") and
 * existing disks unless --replace, fill the targets DIR/NAME-sdX.FMT.
 * output_dir_abort is their abort(): remove the disks this run wrote. */
const char *output_dir (const struct output *o);
int output_dir_prepare (struct output *o, const char *guest_name, size_t n,
                        struct output_target *targets,
                        uint64_t estimated_bytes, const char *meta_suffix);
void output_dir_abort (struct output *o, size_t n,
                       struct output_target *targets);

extern const struct output_driver local_output, libvirt_output,
  qemu_output, null_output;

#endif /* V2K_OUTPUT_H */
