/* SPDX-License-Identifier: GPL-2.0 */
/*
 * orgconf_priv.h - shared between orgconf.c (reading), orgconf_values.c
 * (one value at a time) and orgconf_validate.c (whole-file checks). Not for
 * use outside these files.
 */
#ifndef AVPN_CONF_ORGCONF_PRIV_H
#define AVPN_CONF_ORGCONF_PRIV_H

#include "conf/orgconf.h"

/* A by-name reference to a network or class, resolved after parsing. */
struct orgconf_ref {
	char *name;
	unsigned int line;
	bool flag; /* hub: default-route */
};

/* Parse-time facts about one network that the final struct doesn't keep. */
struct orgconf_net_extra {
	unsigned int mode_line, key_line, nat_line, aa_line; /* 0 = not seen */
	bool mode_bad; /* mode given but invalid (already reported) */
	struct orgconf_ref *hubs;
	size_t n_hubs;
	struct orgconf_ref *exits;
	size_t n_exits;
	unsigned int *subnet_lines;	/* parallel to network.subnets */
	struct orgconf_ref *class_refs; /* parallel to network.flow_prefs; name may be NULL */
};

struct orgconf_class_extra {
	unsigned int line;
	unsigned int lat_line, loss_line, jit_line;
};

enum orgconf_section {
	ORGCONF_SEC_NONE, /* before the first section header */
	ORGCONF_SEC_ORG,
	ORGCONF_SEC_NET,
	ORGCONF_SEC_CLASS,
	ORGCONF_SEC_IGNORE, /* unknown or rejected section: keys are skipped */
};

struct orgconf_state {
	const char *file;    /* name used in messages */
	unsigned int lineno; /* line being handled (conf/ini.h) */
	struct errlist *errs;
	unsigned int flags;
	struct orgconf *cfg;

	enum orgconf_section sec;
	size_t cur;	       /* current network / class index */
	unsigned int org_line; /* 0 = no [organization] yet */
	unsigned int name_line, regkey_line, psk_line, pskfile_line, status_line, purge_line;
	char *pskfile; /* raw value of psk-secret-file */
	char *regkey;  /* raw value of registry-private-key */

	struct orgconf_net_extra *nx;	/* parallel to cfg->networks */
	struct orgconf_class_extra *cx; /* parallel to cfg->classes */
	size_t net_cap, nx_cap, class_cap, cx_cap;
	bool too_many_nets;
	uint32_t *by_name;	 /* sorted by orgconf_validate(), handed to the index */
	uint32_t *class_by_name; /* likewise */
	uint32_t *by_key;	 /* networks with a key, sorted by key; likewise */
	size_t n_by_key;
};

void orgconf_err(struct orgconf_state *st, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* orgconf_values.c: each parses one value of the current line. */
/* `"NAME" rest` or `NAME`; returns malloc'd name and the rest (may be ""). */
int orgconf_parse_name(const char *v, char **name, const char **rest, const char **why);
bool orgconf_valid_name(const char *name, const char **why);
void orgconf_network_key(struct orgconf_state *st, const char *key, const char *value);
void orgconf_org_key(struct orgconf_state *st, const char *key, const char *value);
void orgconf_class_key(struct orgconf_state *st, const char *key, const char *value);
int orgconf_add_flow_pref(struct orgconf_state *st, struct orgconf_network *n,
			  struct orgconf_net_extra *x, const char *value);

/* orgconf_validate.c */
void orgconf_validate(struct orgconf_state *st);
int orgconf_build_index(struct orgconf_state *st);
void orgconf_free_index(struct orgconf_index *idx);

/* growth helper: makes room for one more element in *arr (count n, cap *cap) */
int orgconf_grow(void **arr, size_t n, size_t *cap, size_t elem);

#endif /* AVPN_CONF_ORGCONF_PRIV_H */
