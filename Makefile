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
# otherwise against the newest installed Debian headers (dev machines and CI
# run a kernel without modules; the module is exercised in a VM, tests/vm/).
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
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

clean:
	rm -rf $(B)
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean 2>/dev/null
