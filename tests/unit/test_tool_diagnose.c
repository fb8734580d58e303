// SPDX-License-Identifier: GPL-2.0
/*
 * test_tool_diagnose.c - the tool's side of the control socket: decoding
 * autovpnd's answers and telling its errors apart (ask.c), and `autovpn
 * diagnose` (diagnose.c): its text, its exit status, and the command end
 * to end against a stand-in daemon on the abstract socket that
 * ctl_request() asks ("@autovpn/IFNAME", a name unique to the test).
 * Linked from build/libtool.a, run by `make check-tool`.
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ask.h"
#include "diagnose.h"
#include "tool.h"

/* ---- fixtures ---- */

static void add(struct ctl_diagnosis *d, const char *sev, const char *subj, const char *cause,
		const char *fix)
{
	ck_assert_int_eq(ctl_diagnosis_add(d, sev, subj, cause, fix), 0);
}

/* A diagnosis with one finding of each severity (and @error or not). */
static void findings(struct ctl_diagnosis *d, bool error)
{
	memset(d, 0, sizeof(*d));
	if (error)
		add(d, "error", "registry",
		    "registry 192.0.2.2:9350 does not answer: an upstream firewall blocks it",
		    "allow outbound UDP to 192.0.2.2 ports 9350-9381");
	add(d, "warn", "wan1", "NAT unfriendly: the upstream NAT rewrites the source port",
	    "forward a fixed UDP port");
	add(d, "ok", "San Jose", "tunnel to San Jose is up", "");
}

static char *diagnosis_json(const struct ctl_diagnosis *d)
{
	char *json;

	ck_assert_int_eq(ctl_diagnosis_to_json(d, &json), 0);
	return json;
}

/* diagnose_print() into a string. */
static char *print_text(const struct ctl_diagnosis *d, bool color)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	diagnose_print(f, d, color);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

/* ---- ask: decoding answers ---- */

START_TEST(decode_status)
{
	struct ctl_status s, out;
	char msg[ASK_MSG_MAX] = "", *json;

	ck_assert_int_eq(ctl_status_alloc(&s, 0, 0), 0);
	snprintf(s.interface, sizeof(s.interface), "av0");
	snprintf(s.name, sizeof(s.name), "London");
	snprintf(s.role, sizeof(s.role), "spoke");
	s.config_version = 9;
	ck_assert_int_eq(ctl_status_to_json(&s, &json), 0);
	ck_assert_int_eq(ask_decode_status(json, strlen(json), &out, msg, sizeof(msg)), 0);
	ck_assert_str_eq(out.name, "London");
	ck_assert_uint_eq(out.config_version, 9);
	ctl_status_free(&out);
	free(json);
}
END_TEST

START_TEST(decode_error_answer)
{
	static const char perm[] = "{\"error\":\"permission denied: root only\"}\n";
	static const char ctrl[] = "{\"error\":\"bad\\u001b[31m\\nthing\"}";
	struct ctl_status s;
	struct ctl_diagnosis d;
	char msg[ASK_MSG_MAX] = "";

	/* The daemon's error document, as ctlserver.c writes it. */
	ck_assert_int_eq(ask_decode_status(perm, strlen(perm), &s, msg, sizeof(msg)), -EREMOTEIO);
	ck_assert_str_eq(msg, "autovpnd: permission denied: root only");
	ck_assert_int_eq(ask_decode_diagnosis(perm, strlen(perm), &d, msg, sizeof(msg)),
			 -EREMOTEIO);
	ck_assert_str_eq(msg, "autovpnd: permission denied: root only");
	ck_assert_uint_eq(d.n_findings, 0);
	/* Its text is one line without escape sequences. */
	ck_assert_int_eq(ask_decode_status(ctrl, strlen(ctrl), &s, msg, sizeof(msg)), -EREMOTEIO);
	ck_assert_str_eq(msg, "autovpnd: bad [31m thing");
	/* Cut to the message buffer, not beyond. */
	ck_assert_int_eq(ask_decode_status(perm, strlen(perm), &s, msg, 12), -EREMOTEIO);
	ck_assert_str_eq(msg, "autovpnd: p");
}
END_TEST

START_TEST(decode_malformed)
{
	static const char *const bad[] = {
		"",
		"nonsense",
		"{\"error\":5}",
		"{\"findings\":[]}", /* a diagnosis is not a status */
		"{\"error\":\"x\"",  /* cut */
		"[]",
	};
	struct ctl_status s;
	char msg[ASK_MSG_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		ck_assert_msg(ask_decode_status(bad[i], strlen(bad[i]), &s, msg, sizeof(msg)) ==
				      -EBADMSG,
			      "accepted '%s'", bad[i]);
		ck_assert_str_eq(msg, "autovpnd's answer is not a status document (another "
				      "version?)");
	}
}
END_TEST

START_TEST(decode_diagnosis)
{
	struct ctl_diagnosis d, out;
	char msg[ASK_MSG_MAX], *json;

	findings(&d, true);
	json = diagnosis_json(&d);
	ck_assert_int_eq(ask_decode_diagnosis(json, strlen(json), &out, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(out.n_findings, 3);
	ck_assert_str_eq(out.findings[1].subject, "wan1");
	ctl_diagnosis_free(&out);
	/* A status is not a diagnosis. */
	ck_assert_int_eq(ask_decode_diagnosis("{}", 2, &out, msg, sizeof(msg)), -EBADMSG);
	ck_assert_str_eq(msg, "autovpnd's answer is not a diagnosis document (another version?)");
	ctl_diagnosis_free(&d);
	free(json);
}
END_TEST

START_TEST(absent_errors)
{
	ck_assert(ask_absent(-ECONNREFUSED));
	ck_assert(ask_absent(-ENOENT));
	ck_assert(!ask_absent(-EREMOTEIO));
	ck_assert(!ask_absent(-ETIMEDOUT));
	ck_assert(!ask_absent(0));
}
END_TEST

/* ---- diagnose: exit status and text ---- */

START_TEST(exit_status)
{
	struct ctl_diagnosis d = { 0 };

	ck_assert_int_eq(diagnose_exit_status(&d), DIAGNOSE_EXIT_OK);
	findings(&d, false);
	ck_assert_int_eq(diagnose_exit_status(&d), 0); /* a warning is not an error */
	ctl_diagnosis_free(&d);
	findings(&d, true);
	ck_assert_int_eq(diagnose_exit_status(&d), DIAGNOSE_EXIT_ERROR);
	ck_assert_int_eq(DIAGNOSE_EXIT_ERROR, 1);
	ctl_diagnosis_free(&d);
	/* The last finding alone decides too. */
	add(&d, "ok", "a", "fine", "");
	add(&d, "error", "b", "broken", "mend it");
	ck_assert_int_eq(diagnose_exit_status(&d), 1);
	ctl_diagnosis_free(&d);
	/* Only "error" is an error (a newer daemon's severities are not). */
	add(&d, "info", "a", "note", "");
	ck_assert_int_eq(diagnose_exit_status(&d), 0);
	ctl_diagnosis_free(&d);
}
END_TEST

START_TEST(text_format)
{
	struct ctl_diagnosis d;
	char *t;

	findings(&d, true);
	t = print_text(&d, false);
	ck_assert_str_eq(
		t, "ERROR registry: registry 192.0.2.2:9350 does not answer: an upstream firewall "
		   "blocks it\n"
		   "    fix: allow outbound UDP to 192.0.2.2 ports 9350-9381\n"
		   "WARN  wan1: NAT unfriendly: the upstream NAT rewrites the source port\n"
		   "    fix: forward a fixed UDP port\n"
		   "OK    San Jose: tunnel to San Jose is up\n"
		   "1 error, 1 warning, 1 ok\n");
	free(t);
	ctl_diagnosis_free(&d);
}
END_TEST

START_TEST(text_edge_cases)
{
	struct ctl_diagnosis d = { 0 };
	char *t;

	t = print_text(&d, false);
	ck_assert_str_eq(t, "no findings\n");
	free(t);
	/* An ok finding never prints a fix; a problem without one has no fix line. */
	add(&d, "ok", "a", "fine", "nothing to do");
	add(&d, "warn", "b", "odd", "");
	add(&d, "error", "c", "x", "y");
	add(&d, "error", "d", "x\033[2J\n", "z");
	add(&d, "info", "e", "note", "");
	t = print_text(&d, false);
	ck_assert_str_eq(t, "OK    a: fine\n"
			    "WARN  b: odd\n"
			    "ERROR c: x\n"
			    "    fix: y\n"
			    "ERROR d: x?[2J?\n"
			    "    fix: z\n"
			    "INFO  e: note\n"
			    "2 errors, 1 warning, 1 ok, 1 other\n");
	free(t);
	/* Colour: the severity only. */
	t = print_text(&d, true);
	ck_assert_ptr_nonnull(strstr(t, "\033[1;32mOK\033[0m    a: fine\n"));
	ck_assert_ptr_nonnull(strstr(t, "\033[1;31mERROR\033[0m c: x\n"));
	ck_assert_ptr_nonnull(strstr(t, "\033[1;33mWARN\033[0m  b: odd\n"));
	free(t);
	ctl_diagnosis_free(&d);
}
END_TEST

/* ---- end to end: a stand-in autovpnd on the abstract socket ---- */

struct fake {
	char ifname[16];
	pid_t pid;
};

/*
 * Listens on "@autovpn/IFNAME" and answers one request with @answer; with
 * @no_read it answers at once and hangs up without reading the request, as
 * autovpnd's refusal of a user that is not root does.
 */
static void fake_start_mode(struct fake *f, const char *answer, bool no_read)
{
	struct sockaddr_un sun;
	char path[108];
	int lfd, alen;

	/* Unique per test process: tests of parallel runs do not meet. */
	snprintf(f->ifname, sizeof(f->ifname), "tdg%x", (unsigned int)getpid());
	ck_assert_int_eq(ctl_sock_path(f->ifname, path, sizeof(path)), 0);
	alen = ctl_sockaddr(path, &sun);
	ck_assert_int_gt(alen, 0);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, (socklen_t)alen), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	f->pid = fork();
	ck_assert_int_ge(f->pid, 0);
	if (!f->pid) {
		char req[CTL_MAX_REQUEST + 1];
		int fd;

		alarm(30); /* never outlives a failed test */
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			_exit(3);
		/* The request line, then the answer. */
		if (!no_read && read(fd, req, sizeof(req)) <= 0)
			_exit(4);
		if (write(fd, answer, strlen(answer)) != (ssize_t)strlen(answer))
			_exit(5);
		close(fd);
		_exit(0);
	}
	close(lfd);
}

static void fake_start(struct fake *f, const char *answer)
{
	fake_start_mode(f, answer, false);
}

static void fake_stop(struct fake *f)
{
	int status;

	ck_assert_int_eq(waitpid(f->pid, &status, 0), f->pid);
	ck_assert_msg(WIFEXITED(status) && !WEXITSTATUS(status), "fake daemon %#x", status);
}

/* Runs `autovpn diagnose ARGS` with stdout and stderr into strings. */
static int run_diagnose(int argc, char **argv, char **out, char **err)
{
	FILE *o = tmpfile(), *e = tmpfile();
	int so = dup(STDOUT_FILENO), se = dup(STDERR_FILENO), rc;
	char **bufs[2] = { out, err };
	FILE *files[2] = { o, e };

	ck_assert(o && e && so >= 0 && se >= 0);
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(o), STDOUT_FILENO);
	dup2(fileno(e), STDERR_FILENO);
	rc = diagnose_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, STDOUT_FILENO);
	dup2(se, STDERR_FILENO);
	close(so);
	close(se);
	for (int i = 0; i < 2; i++) {
		long len = ftell(files[i]);

		*bufs[i] = calloc(1, (size_t)len + 1);
		rewind(files[i]);
		ck_assert_int_eq(fread(*bufs[i], 1, (size_t)len, files[i]), (size_t)len);
		fclose(files[i]);
	}
	return rc;
}

START_TEST(ask_not_running)
{
	struct ctl_status s;
	char msg[ASK_MSG_MAX], name[16];

	/* Nobody listens on this name. */
	snprintf(name, sizeof(name), "tdn%x", (unsigned int)getpid());
	ck_assert_int_eq(ask_status(name, &s, msg, sizeof(msg)), -ECONNREFUSED);
	ck_assert(ask_absent(-ECONNREFUSED));
	ck_assert_str_eq(msg + strlen(msg) - strlen(name), name);
	ck_assert_ptr_nonnull(strstr(msg, "autovpnd is not running for tdn"));
}
END_TEST

START_TEST(ask_status_answers)
{
	struct ctl_status s;
	struct fake f;
	char msg[ASK_MSG_MAX];

	fake_start(&f, "{\"error\":\"permission denied: root only\"}\n");
	ck_assert_int_eq(ask_status(f.ifname, &s, msg, sizeof(msg)), -EREMOTEIO);
	ck_assert_str_eq(msg, "autovpnd: permission denied: root only");
	fake_stop(&f);
}
END_TEST

START_TEST(ask_refused_unread)
{
	struct ctl_status s;
	struct fake f;
	char msg[ASK_MSG_MAX];
	int r;

	/*
	 * The refusal written before the request is read: closing a unix
	 * socket with unread data resets it, and lib/ctl's client drops what
	 * it had read. Until one side changes, the message still says why
	 * for a user that is not root.
	 */
	fake_start_mode(&f, "{\"error\":\"permission denied: root only\"}\n", true);
	r = ask_status(f.ifname, &s, msg, sizeof(msg));
	fake_stop(&f);
	if (r == -EREMOTEIO) {
		ck_assert_str_eq(msg, "autovpnd: permission denied: root only");
	} else {
		ck_assert_msg(r == -ECONNRESET || r == -EPIPE, "ask_status: %d", r);
		ck_assert_ptr_nonnull(strstr(msg, geteuid() ? "it answers root only" :
							      "cannot ask autovpnd for tdg"));
	}
}
END_TEST

START_TEST(diagnose_end_to_end)
{
	struct ctl_diagnosis d;
	char *json, *out, *err, *argv[2];
	struct fake f;
	json_object *j;

	/* An error finding: exit 1, the findings on stdout. */
	findings(&d, true);
	json = diagnosis_json(&d);
	fake_start(&f, json);
	argv[0] = f.ifname;
	ck_assert_int_eq(run_diagnose(1, argv, &out, &err), 1);
	fake_stop(&f);
	ck_assert_ptr_nonnull(strstr(out, "ERROR registry: registry 192.0.2.2:9350"));
	ck_assert_ptr_nonnull(strstr(out, "\n    fix: forward a fixed UDP port\n"));
	ck_assert_str_eq(err, "");
	free(out);
	free(err);

	/* --json: the document, whatever the severities; exit status as in text. */
	fake_start(&f, json);
	argv[0] = "--json";
	argv[1] = f.ifname;
	ck_assert_int_eq(run_diagnose(2, argv, &out, &err), 1);
	fake_stop(&f);
	j = json_tokener_parse(out);
	ck_assert_msg(j, "not JSON: %s", out);
	ck_assert_str_eq(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE),
			 json);
	json_object_put(j);
	free(out);
	free(err);
	free(json);
	ctl_diagnosis_free(&d);

	/* No error finding: exit 0. */
	findings(&d, false);
	json = diagnosis_json(&d);
	fake_start(&f, json);
	argv[0] = f.ifname;
	ck_assert_int_eq(run_diagnose(1, argv, &out, &err), 0);
	fake_stop(&f);
	ck_assert_ptr_nonnull(strstr(out, "1 warning, 1 ok\n"));
	free(out);
	free(err);
	free(json);
	ctl_diagnosis_free(&d);
}
END_TEST

START_TEST(diagnose_cannot_ask)
{
	char *out, *err, *argv[2], name[16];
	struct fake f;

	/* No daemon: exit 2, one Error line. */
	snprintf(name, sizeof(name), "tdn%x", (unsigned int)getpid());
	argv[0] = name;
	ck_assert_int_eq(run_diagnose(1, argv, &out, &err), DIAGNOSE_EXIT_NO_ANSWER);
	ck_assert_int_eq(DIAGNOSE_EXIT_NO_ANSWER, 2);
	ck_assert_str_eq(out, "");
	ck_assert_ptr_nonnull(strstr(err, "Error: autovpnd is not running for tdn"));
	free(out);
	free(err);

	/* The daemon refuses: exit 2, its message. */
	fake_start(&f, "{\"error\":\"permission denied: root only\"}\n");
	argv[0] = f.ifname;
	ck_assert_int_eq(run_diagnose(1, argv, &out, &err), 2);
	fake_stop(&f);
	ck_assert_str_eq(err, "Error: autovpnd: permission denied: root only\n");
	free(out);
	free(err);

	/* An answer that is not a diagnosis: exit 2. */
	fake_start(&f, "{\"interface\":\"x\"}");
	argv[0] = f.ifname;
	ck_assert_int_eq(run_diagnose(1, argv, &out, &err), 2);
	fake_stop(&f);
	ck_assert_ptr_nonnull(strstr(err, "not a diagnosis document"));
	free(out);
	free(err);

	/* Bad usage: exit 2 too (1 would read as "an error finding"). */
	argv[0] = "av0";
	argv[1] = "av1";
	ck_assert_int_eq(run_diagnose(2, argv, &out, &err), 2);
	ck_assert_ptr_nonnull(strstr(err, "Error: unexpected argument 'av1'"));
	free(out);
	free(err);
	argv[0] = "--frob";
	ck_assert_int_eq(run_diagnose(1, argv, &out, &err), 2);
	free(out);
	free(err);
	/* --help is no error. */
	argv[0] = "--help";
	ck_assert_int_eq(run_diagnose(1, argv, &out, &err), 0);
	ck_assert_ptr_nonnull(strstr(out, "Usage: autovpn diagnose [IFACE] [--json]"));
	ck_assert_ptr_nonnull(strstr(out, "Exit status"));
	free(out);
	free(err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tool_diagnose");
	TCase *tc = tcase_create("diagnose");

	tcase_add_test(tc, decode_status);
	tcase_add_test(tc, decode_error_answer);
	tcase_add_test(tc, decode_malformed);
	tcase_add_test(tc, decode_diagnosis);
	tcase_add_test(tc, absent_errors);
	tcase_add_test(tc, exit_status);
	tcase_add_test(tc, text_format);
	tcase_add_test(tc, text_edge_cases);
	tcase_add_test(tc, ask_not_running);
	tcase_add_test(tc, ask_status_answers);
	tcase_add_test(tc, ask_refused_unread);
	tcase_add_test(tc, diagnose_end_to_end);
	tcase_add_test(tc, diagnose_cannot_ask);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	/* A test whose fake daemon hangs up early must fail, not die. */
	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
