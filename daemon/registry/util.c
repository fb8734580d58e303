// SPDX-License-Identifier: GPL-2.0
/* Small helpers of the registry: endpoint conversions. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "base/endpoint.h"
#include "daemon/registry/registry.h"

void ep_from_sockaddr(struct proto_ep *ep, const struct sockaddr_storage *ss)
{
	memset(ep, 0, sizeof(*ep));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		ep->family = 4;
		ep->port = ntohs(s->sin_port);
		memcpy(ep->addr, &s->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		ep->family = 6;
		ep->port = ntohs(s->sin6_port);
		memcpy(ep->addr, &s->sin6_addr, 16);
	}
}

socklen_t ep_to_sockaddr(const struct proto_ep *ep, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->family == 4) {
		struct sockaddr_in *s = (void *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(ep->port);
		memcpy(&s->sin_addr, ep->addr, 4);
		return sizeof(*s);
	}
	if (ep->family == 6) {
		struct sockaddr_in6 *s = (void *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(ep->port);
		memcpy(&s->sin6_addr, ep->addr, 16);
		return sizeof(*s);
	}
	return 0;
}

char *ep_format(const struct proto_ep *ep, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	struct endpoint e;
	socklen_t sl = ep_to_sockaddr(ep, &ss);

	if (!sl || endpoint_from_sockaddr(&e, (struct sockaddr *)&ss, sl)) {
		snprintf(buf, len, "-");
		return buf;
	}
	return endpoint_format(&e, buf, len);
}
