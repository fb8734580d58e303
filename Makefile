# autovpn top-level Makefile.
#
# Userspace is built here; the kernel module through Kbuild (kernel/Kbuild).
# Each part of the tree contributes a fragment (*/build.mk) that appends to:
#   BINS         userspace programs to build with `make`
#   CHECK_SUITES targets that `make check` runs; each writes
#                $(RESULTS)/<suite>.res with one "PASS name" / "FAIL name" line
#                per test (see tests/summary.sh)
#   CHECK_BUILD  what those suites need built (their test programs), which
#                `make check` builds in parallel before it runs the suites
#   BENCH        targets that `make bench` runs
#
# Userspace is linked from archives (docs/architecture.md): daemon/lib is
# $(B)/libavpn.a, and every program's code but its main.c is an archive of
# its own ($(B)/libregistry.a, libgateway.a, libtool.a), which the program,
# its unit tests (tests/unit) and its fuzzers (tests/fuzz) link. Each comes
# plain, under ASan/UBSan ($(B)/asan/) and for libFuzzer ($(B)/fuzz/).
# Includes are relative to daemon/lib ("base/addr.h") or uapi.

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
override CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -I$(CURDIR)/daemon/lib -I$(CURDIR)/uapi \
	$(PKG_CFLAGS)
LDLIBS := $(PKG_LIBS)

BINS :=
CHECK_SUITES :=
CHECK_BUILD :=
BENCH :=

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c $< -o $@

# Sanitizer builds of the same sources, for the unit tests under ASan/UBSan.
$(B)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) $(SAN_FLAGS) -O1 -MMD -MP -c $< -o $@

# $(call archives,NAME,SOURCES): $(B)/libNAME.a and $(B)/asan/libNAME.a.
# (tests/fuzz/build.mk adds $(B)/fuzz/libNAME.a for the names in FUZZ_LIBS.)
define archives
$(B)/lib$(1).a: $(2:%.c=$(B)/%.o)
	rm -f $$@ && ar rcs $$@ $$^
$(B)/asan/lib$(1).a: $(2:%.c=$(B)/asan/%.o)
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
-include $(2:%.c=$(B)/%.d) $(2:%.c=$(B)/asan/%.d)
endef

.PHONY: all module userspace check bench clean deps fuzz demo
all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel modules

# The programs' fragments first: the tests' rules use their source lists.
include $(sort $(wildcard */build.mk)) $(sort $(wildcard tests/*/build.mk))

userspace: $(BINS)

# make check: every suite runs even if an earlier one fails (-k); the summary
# then prints "N passed, N failed" and fails if anything failed or a suite
# produced no results at all. What the suites need is built first, two jobs
# at a time; the suites then run one after another, because several measure
# time (the VM's scenarios above all) and must have the machine to
# themselves. A build failure fails the suites that needed it.
check:
	@tests/deps.sh --if-missing
	rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	-$(MAKE) -k -j2 $(CHECK_BUILD)
	-$(MAKE) -k -j1 $(CHECK_SUITES)
	tests/summary.sh $(RESULTS) $(CHECK_SUITES)

bench: $(BENCH)

# make format-check: the userspace C files follow .clang-format (kernel
# style, 100 columns); clang-format prints what it would change and fails.
# make format: rewrites them so. (The module keeps its own hand formatting.)
FORMAT_FILES = $(sort $(wildcard daemon/lib/*/*.[ch] daemon/registry/*.[ch] \
	daemon/gateway/*.[ch] tools/*.[ch] tests/unit/*.[ch] tests/fuzz/*.c tests/sim/*.[ch]))
.PHONY: format format-check
format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)
format:
	clang-format -i $(FORMAT_FILES)

deps:
	tests/deps.sh

# make demo: the reference organization end to end in the VM (tests/demo).
.PHONY: demo
demo:
	@tests/deps.sh --if-missing
	$(MAKE) -j2 all
	tests/demo/run.sh

# Installing: `make install` puts the programs, their man pages, the
# systemd units, bash completion, docs and example configs under $(PREFIX),
# and the module's source for DKMS under $(DKMSSRCDIR) (dkms-install then
# builds and installs it; module-install builds for the running kernel
# only). `make uninstall` removes exactly what install put there. DESTDIR
# is honoured throughout; the Debian packages (debian/, `make deb`) are
# built from the same targets. dist/README.md says what dist/ holds.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/autovpn
UNITDIR ?= $(PREFIX)/lib/systemd/system
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMSSRCDIR ?= /usr/src/autovpn-$(VERSION)

INSTALL_PROGS := autovpn autovpnd autovpn-registry
INSTALL_MAN8 := autovpn.8 autovpnd.8 autovpn-registry.8
INSTALL_MAN5 := autovpnd.conf.5 autovpn-org.conf.5
INSTALL_UNITS := autovpnd.service autovpn-registry.service
INSTALL_DOCS := README.md docs/architecture.md docs/configuration.md docs/protocol.md \
	docs/tools.md
INSTALL_EXAMPLES := examples/org.conf dist/autovpnd.conf dist/autovpn-registry.default
# The module's source as DKMS builds it: dkms.conf and Kbuild at the top,
# kernel/ and uapi/ (never the objects of an in-tree build).
DKMS_SRCS := dkms.conf Kbuild kernel/Kbuild \
	$(filter-out %.mod.c,$(wildcard kernel/*.[ch])) $(wildcard uapi/linux/*.h)

.PHONY: install uninstall install-dkms-src units module-install dkms-install

# The units name the programs where they are installed.
units: $(INSTALL_UNITS:%=$(B)/dist/%)
$(B)/dist/%.service: dist/%.service.in FORCE
	@mkdir -p $(@D)
	sed 's|@SBINDIR@|$(SBINDIR)|g' $< > $@.tmp && mv $@.tmp $@
.PHONY: FORCE
FORCE:

install: $(INSTALL_PROGS:%=$(B)/%) units install-dkms-src
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(INSTALL_PROGS:%=$(B)/%) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(INSTALL_MAN8:%=man/%) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(INSTALL_MAN5:%=man/%) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(INSTALL_UNITS:%=$(B)/dist/%) $(DESTDIR)$(UNITDIR)/
	install -m 0644 dist/autovpn.bash-completion $(DESTDIR)$(COMPLETIONDIR)/autovpn
	install -m 0644 $(INSTALL_DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(INSTALL_EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/

install-dkms-src:
	rm -rf $(DESTDIR)$(DKMSSRCDIR)
	install -d $(DESTDIR)$(DKMSSRCDIR)/kernel $(DESTDIR)$(DKMSSRCDIR)/uapi/linux
	for f in $(DKMS_SRCS); do install -m 0644 $$f $(DESTDIR)$(DKMSSRCDIR)/$$f || exit 1; done

uninstall:
	rm -f $(INSTALL_PROGS:%=$(DESTDIR)$(SBINDIR)/%) \
		$(INSTALL_MAN8:%=$(DESTDIR)$(MANDIR)/man8/%) \
		$(INSTALL_MAN5:%=$(DESTDIR)$(MANDIR)/man5/%) \
		$(INSTALL_UNITS:%=$(DESTDIR)$(UNITDIR)/%) \
		$(DESTDIR)$(COMPLETIONDIR)/autovpn
	rm -rf $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DKMSSRCDIR)

# make deb: the Debian packages autovpn and autovpn-dkms (debian/), built
# by dpkg-buildpackage from a copy of the tree in $(B)/deb/autovpn-VERSION
# (so that debian/rules' clean cannot touch this build), into $(B)/deb/.
.PHONY: deb
deb:
	rm -rf $(B)/deb && mkdir -p $(B)/deb/autovpn-$(VERSION)
	tar -c --exclude=./build --exclude=./.git --exclude='*.o' --exclude='*.ko' \
		--exclude='*.mod.c' --exclude='.*.cmd' . | tar -x -C $(B)/deb/autovpn-$(VERSION)
	cd $(B)/deb/autovpn-$(VERSION) && DEB_BUILD_OPTIONS=parallel=2 \
		dpkg-buildpackage -us -uc -b
	rm -rf $(B)/deb/autovpn-$(VERSION)
	ls -l $(B)/deb/*.deb

module-install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel modules_install
	depmod -a $(KVER)

dkms-install: install-dkms-src
	dkms install -m autovpn -v $(VERSION) -k $(KVER)

clean:
	rm -rf $(B)
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean 2>/dev/null
