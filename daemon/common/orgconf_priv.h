/* SPDX-License-Identifier: GPL-2.0 */
/*
 * orgconf_priv.h - shared between orgconf.c (reading), orgconf_values.c
 * (one value at a time) and orgconf_validate.c (whole-file checks). Not for
 * use outside these files.
 */
#ifndef AVPN_ORGCONF_PRIV_H
#define AVPN_ORGCONF_PRIV_H

#include "daemon/common/orgconf.h"

/* A by-name reference to a network or class, resolved after parsing. */
struct oc_ref {
	char *name;
	unsigned int line;
	bool flag; /* hub: default-route */
};

/* Parse-time facts about one network that the final struct doesn't keep. */
struct oc_net_extra {
	unsigned int mode_line, key_line, nat_line, aa_line; /* 0 = not seen */
	bool mode_bad; /* mode given but invalid (already reported) */
	struct oc_ref *hubs;
	size_t n_hubs;
	struct oc_ref *exits;
	size_t n_exits;
	unsigned int *subnet_lines; /* parallel to network.subnets */
	struct oc_ref *class_refs;  /* parallel to network.flow_prefs; name may be NULL */
};

struct oc_class_extra {
	unsigned int line;
	unsigned int lat_line, loss_line, jit_line;
};

enum oc_section {
	OC_SEC_NONE, /* before the first section header */
	OC_SEC_ORG,
	OC_SEC_NET,
	OC_SEC_CLASS,
	OC_SEC_IGNORE, /* unknown or rejected section: keys are skipped */
};

struct oc_state {
	const char *file; /* name used in messages */
	const char *buf;
	size_t len, pos;
	unsigned int lineno; /* line most recently handed to inih */
	struct errlist *errs;
	unsigned int flags;
	struct orgconf *cfg;

	enum oc_section sec;
	size_t cur;	       /* current network / class index */
	unsigned int org_line; /* 0 = no [organization] yet */
	unsigned int name_line, regkey_line, psk_line, pskfile_line, status_line, purge_line;
	char *pskfile; /* raw value of psk-secret-file */
	char *regkey;  /* raw value of registry-private-key */

	struct oc_net_extra *nx;   /* parallel to cfg->networks */
	struct oc_class_extra *cx; /* parallel to cfg->classes */
	size_t net_cap, nx_cap, class_cap, cx_cap;
	bool too_many_nets;
	uint32_t *by_name;	 /* sorted by oc_validate(), handed to the index */
	uint32_t *class_by_name; /* likewise */
	uint32_t *by_key;	 /* networks with a key, sorted by key; likewise */
	size_t n_by_key;
};

void oc_err(struct oc_state *st, unsigned int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* orgconf_values.c: each parses one value of the current line. */
/* `"NAME" rest` or `NAME`; returns malloc'd name and the rest (may be ""). */
int oc_parse_name(const char *v, char **name, const char **rest, const char **why);
bool oc_valid_name(const char *name, const char **why);
void oc_handle_network_key(struct oc_state *st, const char *key, const char *value);
void oc_handle_org_key(struct oc_state *st, const char *key, const char *value);
void oc_handle_class_key(struct oc_state *st, const char *key, const char *value);
int oc_add_flow_pref(struct oc_state *st, struct orgconf_network *n, struct oc_net_extra *x,
		     const char *value);

/* orgconf_validate.c */
void oc_validate(struct oc_state *st);
int oc_build_index(struct oc_state *st);
void oc_free_index(struct orgconf_index *idx);

/* growth helper: makes room for one more element in *arr (count n, cap *cap) */
int oc_grow(void **arr, size_t n, size_t *cap, size_t elem);

#endif /* AVPN_ORGCONF_PRIV_H */
