// SPDX-License-Identifier: GPL-2.0
/* ask.c - a question to autovpnd and the ways it can fail (see ask.h). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ask.h"

bool ask_absent(int err)
{
	/* An abstract socket nobody bound refuses; a path socket may be gone. */
	return err == -ECONNREFUSED || err == -ENOENT;
}

/*
 * The daemon's error answer, {"error": "..."}: its text into msg, with any
 * control character made a space so it stays one line. False for anything
 * else.
 */
static bool ask_error_answer(const char *ans, size_t n, char *msg, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *root, *e = NULL;
	bool found = false;

	if (!tok)
		return false;
	root = n <= CTL_MAX_ANSWER ? json_tokener_parse_ex(tok, ans, (int)n) : NULL;
	if (root && json_object_object_get_ex(root, "error", &e) &&
	    json_object_is_type(e, json_type_string)) {
		char *p;

		snprintf(msg, len, "autovpnd: %s", json_object_get_string(e));
		for (p = msg; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
		found = true;
	}
	json_object_put(root);
	json_tokener_free(tok);
	return found;
}

static int ask_bad(int err, const char *ans, size_t n, const char *what, char *msg, size_t len)
{
	if (err == -EBADMSG && ask_error_answer(ans, n, msg, len))
		return -EREMOTEIO;
	if (err == -EBADMSG)
		snprintf(msg, len, "autovpnd's answer is not a %s document (another version?)",
			 what);
	else
		snprintf(msg, len, "autovpnd's answer: %s", strerror(-err));
	return err;
}

int ask_decode_status(const char *ans, size_t n, struct ctl_status *s, char *msg, size_t len)
{
	int err = ctl_status_from_json(ans, n, s);

	return err ? ask_bad(err, ans, n, "status", msg, len) : 0;
}

int ask_decode_diagnosis(const char *ans, size_t n, struct ctl_diagnosis *d, char *msg, size_t len)
{
	int err = ctl_diagnosis_from_json(ans, n, d);

	return err ? ask_bad(err, ans, n, "diagnosis", msg, len) : 0;
}

/* ctl_request() with a message for each way it fails. */
static int ask_request(const char *ifname, const char *req, char **ans, size_t *n, char *msg,
		       size_t len)
{
	int err = ctl_request(ifname, req, ans, n);

	if (!err)
		return 0;
	if (ask_absent(err))
		snprintf(msg, len, "autovpnd is not running for %s", ifname);
	else if (err == -ETIMEDOUT)
		snprintf(msg, len,
			 "autovpnd for %s did not answer in time (%u s, more for a large answer)",
			 ifname, CTL_TIMEOUT_MS / 1000);
	else if (err == -EPERM)
		snprintf(msg, len,
			 "the control socket of %s is not autovpnd's: a process not run by root "
			 "holds it",
			 ifname);
	else if (err == -ENODATA)
		snprintf(msg, len, "autovpnd for %s closed the connection without answering",
			 ifname);
	else if ((err == -ECONNRESET || err == -EPIPE) && geteuid())
		/* A reset before any answer (ctl_read_all keeps an answer
		 * read before the reset): autovpnd refuses others. */
		snprintf(msg, len,
			 "autovpnd for %s hung up without an answer: it answers root only", ifname);
	else
		snprintf(msg, len, "cannot ask autovpnd for %s: %s", ifname, strerror(-err));
	return err;
}

int ask_status(const char *ifname, struct ctl_status *s, char *msg, size_t len)
{
	char *ans;
	size_t n;
	int err;

	memset(s, 0, sizeof(*s));
	err = ask_request(ifname, "status", &ans, &n, msg, len);
	if (err)
		return err;
	err = ask_decode_status(ans, n, s, msg, len);
	free(ans);
	return err;
}

int ask_diagnosis(const char *ifname, struct ctl_diagnosis *d, char *msg, size_t len)
{
	char *ans;
	size_t n;
	int err;

	memset(d, 0, sizeof(*d));
	err = ask_request(ifname, "diagnose", &ans, &n, msg, len);
	if (err)
		return err;
	err = ask_decode_diagnosis(ans, n, d, msg, len);
	free(ans);
	return err;
}
