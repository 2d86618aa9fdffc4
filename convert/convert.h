/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm convert`, the whole conversion of one guest.
 *
 * The pipeline (convert.c) follows virt-v2v's order (HACKING.md "Data flow"):
 * convert first on an overlay, copy last, so a conversion that fails
 * costs seconds and free space inside the guest is never copied:
 *
 *   1. source     read the guest description (struct guest)
 *   2. preflight  open every disk (chains complete, sizes, allocation),
 *                 start the archive's manifest check, prepare the output
 *                 (names free, room for the estimated bytes)
 *   3. serve      serve each disk read-only over NBD through our readers
 *                 (nbdkit + our plugin) and put a qcow2 overlay on it; an
 *                 XVA, which can only stream, is first written to a sparse
 *                 local file
 *   4. fixup      make the guest boot on virtio (guest-fixups/), ending
 *                 with fstrim, on the overlays
 *   5. copy       one pass over the merged view (overlay clusters, else
 *                 the source through our readers, without NBD) into the
 *                 output format, skipping holes, zeros and trimmed space
 *   6. metadata   domain XML (or qemu script) from the guest record and
 *                 the fixups' capabilities; define / write it
 *
 * The source is never opened for writing.  On failure or SIGINT/SIGTERM
 * the children stop (nbdkit exits with its parent, libguestfs's qemu is
 * shut down), scratch files and written outputs are removed.
 */
#ifndef V2K_CONVERT_H
#define V2K_CONVERT_H

#include <stdbool.h>
#include <stddef.h>

#include "domxml.h"
#include "fixup.h"
#include "output.h"
#include "vector.h"

struct convert_options {
  const char *input_type;       /* vmx ova ovf xva xl xm libvirtxml disk
                                   vsphere */
  const char *input_conn;       /* -ic esx://... / vpx://... (vsphere) */
  const char *input_password;   /* -ip FILE: its first line */
  const char *input_transport;  /* -it ssh: the source is an ssh:// URL */
  char **sources;               /* one config / archive, or the disks; for
                                   vsphere the VM's name */
  size_t nsources;
  struct output_opts output;
  const char *name;             /* -on: guest name on the output */
  struct domxml_options dom;    /* --domain-type, --graphics, networks */
  const char *root;             /* --root */
  enum fixup_accel accel;       /* --accel */
  unsigned smp;                 /* --smp: appliance vCPUs; 0 = cores (at
                                   most 4) */
  unsigned jobs;                /* -j; 0 = cores */
  bool compress;                /* -c: compressed qcow2 */
  bool no_trim;                 /* --no-trim: copy free space too */
  bool rebuild_initramfs;       /* --rebuild-initramfs */
  bool no_verify;               /* --no-verify: skip archive checksums */
  bool allow_external_refs;     /* --allow-external-refs (formats/refs.h) */
  bool no_fixup;                /* --no-fixup: copy as is */
  bool print_source;            /* stop after step 1 */
  bool machine;                 /* --machine-readable */
  string_vector macs;           /* --mac NAME=MAC */
  const char *virtio_win;       /* --virtio-win */
  bool virtio_scsi;             /* --block-driver virtio-scsi (Windows) */
  fixup_key_list keys;          /* --key ID:key:PASS / ID:file:PATH (owned,
                                   the file's first line already read) */
  bool keys_from_stdin;         /* --keys-from-stdin */
  bool verbose, quiet, help;    /* -v, -q, --help (the caller acts on them) */
};

/* Parse the words of a convert command line (argv[0] is the command's
 * name; argv may be permuted) into *o, validating them without running
 * anything: 0, or -1 + set_error with kind V2K_ERR_USAGE and a one-line
 * message.  o->sources points into argv.  Free with convert_options_free
 * either way.  `convert` and `batch` (each plan line) both parse here. */
int convert_parse (int argc, char **argv, struct convert_options *o);
void convert_options_free (struct convert_options *o);

/* Read the guest record of o's source (config, archive, or -i disk's
 * images; nothing else is opened), with -on applied: 0 or -1 +
 * set_error.  Free *g with guest_free. */
struct guest;
int convert_read_guest (const struct convert_options *o, struct guest **g);

/* Run the conversion.  Returns the process exit code (0, or the code
 * of the error, which has been reported). */
int convert_run (const struct convert_options *opts);

/* `v2kvm inspect`: what convert_run would do, done without writing
 * anything but throwaway files.  The same steps and checks as a
 * conversion, with three differences: the output is -o null (nothing
 * prepared, no names or room checked), the fixups list their commands
 * without running them (fixup.h list_commands), and no metadata is
 * written.  The copy into nothing measures what a conversion writes. */
struct inspect_disk {
  char *source;                 /* the file read */
  const char *format;           /* our reader's name, NULL if not opened */
  uint64_t virtual_size;
  int64_t allocated;            /* -1: not known */
  uint64_t used;                /* what the copy writes: the guest's data
                                   after the fixups' trim, zeros skipped */
  bool measured;                /* used is known (the copy ran) */
};

/* A blocker or a warning of an inspection (docs/inspect.md). */
struct inspect_note {
  const char *code;             /* its stable code (static) */
  int exit;                     /* a blocker's exit code; 0 for a warning */
  char *message;
};
DEFINE_VECTOR_TYPE (inspect_note_list, struct inspect_note);

struct inspection {
  struct guest *g;              /* the source's record, or NULL */
  size_t n;
  struct inspect_disk *disks;
  struct fixup_result fx;       /* when fixed: OS, changes, capabilities */
  bool fixed;
  int exit;                     /* what convert would exit with */
  const char *code;             /* the first blocker's code (exit != 0) */
  char *message;                /* the first blocker's message */
  inspect_note_list blockers;   /* every blocker found, in pipeline order
                                   (the first is exit, code, message);
                                   the checks that depend on a refused
                                   one are not run (error.h error_check) */
  inspect_note_list warnings;
  double phase_seconds[6];      /* source ... metadata, as measured */
  double seconds;               /* the whole inspection */
};

/* Fill *ins (zeroed by the caller; free with inspection_free).  Returns
 * 0 when the inspection ran to the end (ins->exit 0 or a blocker found
 * by a check), -1 when it was interrupted. */
int convert_inspect (const struct convert_options *opts,
                     struct inspection *ins);
void inspection_free (struct inspection *ins);

#endif /* V2K_CONVERT_H */
