/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: what vsphere.c and vsphere-vms.c share (not for other files). */
#ifndef V2K_VSPHERE_INT_H
#define V2K_VSPHERE_INT_H

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "https.h"
#include "vsphere.h"

enum fault { FAULT_NONE, FAULT_LOGIN, FAULT_AUTH, FAULT_OTHER };

struct vsphere {
  struct https_conf conf;       /* fields owned here */
  char *display;                /* esx://user@host:port */
  char *want_dc;                /* vpx: the URI's datacenter */
  CURL *soap;                   /* the API's handle, with its cookie */
  bool logged_in;
  bool closing;                 /* logging out: not stopped by Ctrl-C */
  enum fault last_fault;
  /* ServiceContent */
  char *root_folder, *prop_collector, *view_manager, *session_manager;
  char *api_version, *api_type;
  /* the datacenter */
  char *dc;                     /* its name (dcPath of /folder URLs) */
  char *vm_folder;              /* its vmFolder */
};

/* One SOAP call of method with the given inner XML; the doc to free
 * and *ret, the reply element (METHODResponse).  NULL + set_error
 * (faults set v->last_fault). */
xmlDocPtr soap_call (struct vsphere *v, const char *method,
                     const char *body, xmlNodePtr *ret);

/* Find the datacenter (the URI's for vpx, the only one for esx). */
int vsphere_find_datacenter (struct vsphere *v);

/* XML helpers: first element child called name; its text (new string,
 * NULL if absent); escape for element content. */
xmlNodePtr xml_child (xmlNodePtr n, const char *name);
char *xml_text (xmlNodePtr n);
char *xml_child_text (xmlNodePtr n, const char *name);
char *xml_escape (const char *s);

#endif /* V2K_VSPHERE_INT_H */
