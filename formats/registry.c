/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the table of block-source drivers, in probe order.  Every
 * driver probes by content and the highest score wins, so the order only
 * breaks ties; raw is last and always scores 1. */
#include <config.h>

#include <stddef.h>
#include <string.h>

#include "blk.h"

extern const struct blk_driver vmdk_blk;
extern const struct blk_driver ova_blk;
extern const struct blk_driver xva_blk;
extern const struct blk_driver vhd_blk;
extern const struct blk_driver qcow2_blk;
extern const struct blk_driver vhdx_blk;
extern const struct blk_driver raw_blk;

const struct blk_driver *const blk_drivers[] = {
  &vmdk_blk,
  &ova_blk,                     /* OVA tar or .ovf: opens the disk inside */
  &xva_blk,                     /* XVA / gzip / zstd: refused, explained */
  &vhd_blk,
  &qcow2_blk,
  &vhdx_blk,
  &raw_blk,                     /* fallback: must stay last */
  NULL
};

const struct blk_driver *
blk_find_driver (const char *name)
{
  for (size_t i = 0; blk_drivers[i]; ++i)
    if (strcmp (blk_drivers[i]->name, name) == 0)
      return blk_drivers[i];
  return NULL;
}

/* The table of disk writers (writer.h), looked up by -O name. */
#include "writer.h"

extern const struct writer_driver qcow2_writer;
extern const struct writer_driver raw_writer;

const struct writer_driver *const writer_drivers[] = {
  &qcow2_writer,                /* the default output format */
  &raw_writer,
  NULL
};

/* The table of guest config readers (cfg.h), probed by content when -i
 * is not given; the highest score wins. */
#include "cfg.h"

extern const struct cfg_reader vmx_cfg;
extern const struct cfg_reader xl_cfg;
extern const struct cfg_reader libvirt_xml_cfg;
extern const struct cfg_reader ovf_cfg;
extern const struct cfg_reader xva_cfg;

const struct cfg_reader *const cfg_readers[] = {
  &vmx_cfg,
  &xl_cfg,                      /* also legacy xm (-i xm) */
  &libvirt_xml_cfg,
  &ovf_cfg,
  &xva_cfg,                     /* XenServer ova.xml */
  NULL
};
