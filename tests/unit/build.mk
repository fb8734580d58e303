# tests/unit: Check tests, one program per tests/unit/test_*.c, each built
# twice, plain and under ASan/UBSan. Every test links $(B)/libavpn.a; a test
# of a program's code, test_<program>_*.c, links that program's archive in
# front of it (test_tool_*.c: $(B)/libtool.a; likewise registry, gateway)
# and finds the program's headers ("setreq.h") in its directory.
# check-unit runs all but the tool's tests, which check-tool runs
# (tools/build.mk).

UNIT_SRCS := $(filter-out tests/unit/test_tool_%,$(sort $(wildcard tests/unit/test_*.c)))

# $(call unit_program,PROGRAM,DIRECTORY)
define unit_program
$(B)/unit/test_$(1)_%: tests/unit/test_$(1)_%.c $(B)/lib$(1).a $(B)/libavpn.a
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(CHECK_CFLAGS) -I$(2) -o $$@ $$^ $$(LDLIBS) $$(CHECK_LIBS)
$(B)/unit-asan/test_$(1)_%: tests/unit/test_$(1)_%.c $(B)/asan/lib$(1).a $(B)/asan/libavpn.a
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(CHECK_CFLAGS) -I$(2) $$(SAN_FLAGS) -O1 -o $$@ $$^ $$(LDLIBS) \
		$$(CHECK_LIBS)
endef
$(eval $(call unit_program,tool,tools))
$(eval $(call unit_program,registry,daemon/registry))
$(eval $(call unit_program,gateway,daemon/gateway))

$(B)/unit/%: tests/unit/%.c $(B)/libavpn.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

$(B)/unit-asan/%: tests/unit/%.c $(B)/asan/libavpn.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) $(SAN_FLAGS) -O1 -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

CHECK_SUITES += check-unit check-unit-asan
CHECK_BUILD += $(UNIT_SRCS:tests/unit/%.c=$(B)/unit/%) $(UNIT_SRCS:tests/unit/%.c=$(B)/unit-asan/%)
.PHONY: check-unit check-unit-asan
check-unit: $(UNIT_SRCS:tests/unit/%.c=$(B)/unit/%)
	@tests/unit/run.sh $(RESULTS)/check-unit.res $^
check-unit-asan: $(UNIT_SRCS:tests/unit/%.c=$(B)/unit-asan/%)
	@tests/unit/run.sh $(RESULTS)/check-unit-asan.res $^

# The Noise test reads the public cacophony vectors, kept in the tree.
NOISE_VECTORS := $(CURDIR)/tests/unit/data/noise-ik.json
$(B)/unit/test_noise $(B)/unit-asan/test_noise: CFLAGS += -DNOISE_VECTORS=\"$(NOISE_VECTORS)\"
