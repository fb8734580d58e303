// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/lib/base/udpsock.c: sockets bound on the loopback
 * addresses (127.0.0.1, ::1) only, and the errors a bad request gives.
 */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "base/udpsock.h"

static struct endpoint ep(const char *s)
{
	struct endpoint e;

	ck_assert_int_eq(endpoint_parse(s, &e, NULL), 0);
	return e;
}

START_TEST(bind_v4)
{
	struct endpoint e = ep("127.0.0.1:1"), got;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char err[128] = "";
	int fd, type;
	socklen_t tlen = sizeof(type);

	e.port = 0; /* any free port */
	fd = udpsock_open(&e, NULL, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	ck_assert_int_eq(endpoint_from_sockaddr(&got, (struct sockaddr *)&ss, len), 0);
	ck_assert(addr_equal(&got.addr, &e.addr));
	ck_assert_uint_ne(got.port, 0);
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen), 0);
	ck_assert_int_eq(type, SOCK_DGRAM);

	/* The same address and port again: the kernel's errno, and a reason. */
	ck_assert_int_eq(udpsock_open(&got, &(struct udpsock_opts){ .dev = "" }, err, sizeof(err)),
			 -EADDRINUSE);
	ck_assert_ptr_nonnull(strstr(err, "bind 127.0.0.1:"));
	close(fd);
}
END_TEST

START_TEST(bind_v6_only)
{
	struct endpoint e = ep("[::1]:1");
	char err[128] = "";
	int fd, on = 0;
	socklen_t len = sizeof(on);

	e.port = 0;
	fd = udpsock_open(&e, NULL, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	/* An IPv6 uplink carries IPv6 only. */
	ck_assert_int_eq(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, &len), 0);
	ck_assert_int_eq(on, 1);
	close(fd);
}
END_TEST

START_TEST(bad_device)
{
	struct endpoint e = ep("127.0.0.1:1");
	char err[128] = "";
	int fd;

	e.port = 0;
	fd = udpsock_open(&e, &(struct udpsock_opts){ .dev = "nosuchdev0" }, err, sizeof(err));
	/* ENODEV as root; EPERM where SO_BINDTODEVICE needs a capability. */
	ck_assert_msg(fd == -ENODEV || fd == -EPERM, "fd %d", fd);
	ck_assert_ptr_nonnull(strstr(err, "binding to device nosuchdev0"));
}
END_TEST

START_TEST(reuseport_and_mark)
{
	struct udpsock_opts o = { .mark = 0x9350, .reuseport = true };
	struct endpoint e = ep("127.0.0.1:1"), got;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint32_t mark = 0;
	socklen_t ml = sizeof(mark);
	char err[128] = "";
	int fd, fd2, fd3;

	e.port = 0;
	fd = udpsock_open(&e, &o, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	ck_assert_int_eq(endpoint_from_sockaddr(&got, (struct sockaddr *)&ss, sl), 0);
	/* A restarted daemon binds the same port while the old socket lives on. */
	fd2 = udpsock_open(&got, &o, err, sizeof(err));
	ck_assert_msg(fd2 >= 0, "%s", err);
	/* Without SO_REUSEPORT on the new one, it cannot. */
	fd3 = udpsock_open(&got, NULL, err, sizeof(err));
	ck_assert_int_eq(fd3, -EADDRINUSE);
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &ml), 0);
	ck_assert_uint_eq(mark, 0x9350);
	close(fd);
	close(fd2);
}
END_TEST

/* How many datagrams are waiting on @fd (reads them all, never blocks). */
static int drain(int fd)
{
	char b[8];
	int n = 0;

	while (recv(fd, b, sizeof(b), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

/*
 * While a restarted daemon's new socket shares the port with the one the
 * kernel still holds, every datagram goes to the old one, whatever its
 * source: without the steering, SO_REUSEPORT's hash would send about half
 * of 64 senders' datagrams to the new socket (all 64 to one socket by
 * chance: 2^-63). Steered to the newest (the module has it now), the new
 * one gets them all while the old one still exists, and after it is gone.
 */
START_TEST(reuseport_steered_over_a_restart)
{
	struct udpsock_opts o = { .reuseport = true };
	struct endpoint e = ep("127.0.0.1:1"), got;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char err[128] = "";
	int old, new, i, snd[64];

	e.port = 0;
	old = udpsock_open(&e, &o, err, sizeof(err));
	ck_assert_msg(old >= 0, "%s", err);
	ck_assert_int_eq(getsockname(old, (struct sockaddr *)&ss, &sl), 0);
	ck_assert_int_eq(endpoint_from_sockaddr(&got, (struct sockaddr *)&ss, sl), 0);
	new = udpsock_open(&got, &o, err, sizeof(err));
	ck_assert_msg(new >= 0, "%s", err);
	for (i = 0; i < 64; i++) {
		snd[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		ck_assert_int_ge(snd[i], 0);
		ck_assert_int_eq(sendto(snd[i], "x", 1, 0, (struct sockaddr *)&ss, sl), 1);
	}
	ck_assert_int_eq(drain(new), 0);
	ck_assert_int_eq(drain(old), 64);
	ck_assert_int_eq(udpsock_reuseport_steer(new, UDPSOCK_STEER_NEWEST), 0);
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(sendto(snd[i], "y", 1, 0, (struct sockaddr *)&ss, sl), 1);
	ck_assert_int_eq(drain(old), 0);
	ck_assert_int_eq(drain(new), 64);
	close(old);
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(sendto(snd[i], "z", 1, 0, (struct sockaddr *)&ss, sl), 1);
	ck_assert_int_eq(drain(new), 64);
	/* The next restart's socket: the steering to the oldest is back. */
	old = new;
	new = udpsock_open(&got, &o, err, sizeof(err));
	ck_assert_msg(new >= 0, "%s", err);
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(sendto(snd[i], "w", 1, 0, (struct sockaddr *)&ss, sl), 1);
	ck_assert_int_eq(drain(new), 0);
	ck_assert_int_eq(drain(old), 64);
	close(old);
	for (i = 0; i < 64; i++)
		close(snd[i]);
	close(new);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("udpsock");
	TCase *tc = tcase_create("udpsock");

	tcase_add_test(tc, bind_v4);
	tcase_add_test(tc, bind_v6_only);
	tcase_add_test(tc, bad_device);
	tcase_add_test(tc, reuseport_and_mark);
	tcase_add_test(tc, reuseport_steered_over_a_restart);
	return unit_run(s, tc);
}
