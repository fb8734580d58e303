# tests/net: helper programs used by the VM scenarios (tests/net/*.sh).
# Every tests/net/*.c is one program, $(B)/tests/net/<name>, linked against
# libavpn.a (the shared userspace code, e.g. the libnl client), libsodium,
# libpcap and libnl. Other engineers drop their helpers here too; nothing to
# edit when a file is added. Headers here (nlraw.h, nlschema.h) are
# header-only helpers shared by several programs.

NET_SRCS := $(sort $(wildcard tests/net/*.c))
NET_BINS := $(NET_SRCS:tests/net/%.c=$(B)/tests/net/%)
BINS += $(NET_BINS)

$(B)/tests/net/%: tests/net/%.c $(wildcard tests/net/*.h) $(B)/libavpn.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(B)/libavpn.a $(LDLIBS) -lpcap

# The host part: wirecheck's self-test (libsodium AES-GCM against its own
# parser, no VM needed). The VM scenarios themselves are run by tests/vm.
CHECK_SUITES += check-net-host
CHECK_BUILD += $(B)/tests/net/wirecheck
.PHONY: check-net-host
check-net-host: $(B)/tests/net/wirecheck
	@mkdir -p $(RESULTS)
	@$(B)/tests/net/wirecheck --selftest > $(B)/tests/net/wirecheck-selftest.log 2>&1; \
	rc=$$?; cat $(B)/tests/net/wirecheck-selftest.log; \
	sed -n 's/^RESULT \(PASS\|FAIL\) /\1 /p' $(B)/tests/net/wirecheck-selftest.log \
		> $(RESULTS)/check-net-host.res; \
	if [ $$rc -ne 0 ] && ! grep -q '^FAIL' $(RESULTS)/check-net-host.res; then \
		echo "FAIL wirecheck-selftest (exit $$rc)" >> $(RESULTS)/check-net-host.res; fi
