# autovpn top-level Makefile.
#
# Userspace is built here; the kernel module through Kbuild (kernel/Kbuild).
# Each part of the tree contributes a fragment (*/build.mk) that appends to:
#   BINS         userspace programs to build with `make`
#   CHECK_SUITES targets that `make check` runs; each writes
#                $(RESULTS)/<suite>.res with one "PASS name" / "FAIL name" line
#                per test (see tests/summary.sh)
#   BENCH        targets that `make bench` runs

# The module is built against the running kernel when its headers are present,
# otherwise against Debian's default kernel, the one linux-image-amd64 depends
# on (6.1 on Debian 12: the floor kernel, which the VM suite boots; dev
# machines and CI run a kernel without modules, see tests/vm/), otherwise
# against the newest installed headers. Other installed header trees (the
# newest kernel Debian offers, see tests/deps.sh) are compile-tested by
# `make check-kbuild`.
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; exit; fi; \
	  v=$$(dpkg-query -W -f='$${Depends}' linux-image-amd64 2>/dev/null | \
	       sed -n 's/^linux-image-\([^ ,|]*\).*/\1/p'); \
	  if [ -n "$$v" ] && [ -d /lib/modules/$$v/build ]; then echo $$v; \
	  else ls /lib/modules 2>/dev/null | sort -V | tail -n 1; fi)
KDIR ?= /lib/modules/$(KVER)/build

B := build
RESULTS := $(B)/results

CC ?= gcc
PKGS := libnl-3.0 libnl-genl-3.0 libnl-route-3.0 libsodium inih libmicrohttpd json-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -I$(CURDIR)/uapi -I$(CURDIR) \
	$(PKG_CFLAGS)
LDLIBS := $(PKG_LIBS)

BINS :=
CHECK_SUITES :=
BENCH :=

.PHONY: all module userspace check bench clean deps fuzz
all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel modules

include $(sort $(wildcard */build.mk tests/*/build.mk))

userspace: $(BINS)

# make check: every suite runs even if an earlier one fails (-k); the summary
# then prints "N passed, N failed" and fails if anything failed or a suite
# produced no results at all.
check:
	rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	-$(MAKE) -k $(CHECK_SUITES)
	tests/summary.sh $(RESULTS) $(CHECK_SUITES)

bench: $(BENCH)

deps:
	tests/deps.sh

# Installing on a gateway: the programs, and the module either for the
# running kernel (module-install) or through DKMS for every kernel >= 6.1.
PREFIX ?= /usr/local
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
.PHONY: install module-install dkms-install
install: userspace
	install -d $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 $(B)/autovpn $(B)/autovpn-registry $(DESTDIR)$(PREFIX)/sbin/

module-install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel modules_install
	depmod -a $(KVER)

dkms-install:
	rm -rf /usr/src/autovpn-$(VERSION)
	mkdir -p /usr/src/autovpn-$(VERSION)
	cp -r dkms.conf Kbuild kernel uapi /usr/src/autovpn-$(VERSION)/
	cd /usr/src/autovpn-$(VERSION)/kernel && rm -f *.o *.ko *.mod *.mod.c .*.cmd \
		modules.order Module.symvers
	dkms install -m autovpn -v $(VERSION) -k $(KVER)

clean:
	rm -rf $(B)
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean 2>/dev/null
