# tests/unit: Check tests of the pure userspace code. Every tests/unit/test_*.c
# is its own Check program linked against libavpn.a; each is built twice, plain
# and under ASan/UBSan, and both run in `make check`.

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/unit/%)
ASAN_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/unit-asan/%)

$(B)/unit/%: tests/unit/%.c $(B)/libavpn.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

$(B)/unit-asan/%: tests/unit/%.c $(B)/asan/libavpn.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) $(SAN_FLAGS) -O1 -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

CHECK_SUITES += check-unit check-unit-asan
.PHONY: check-unit check-unit-asan
check-unit: $(UNIT_BINS)
	@tests/unit/run.sh $(RESULTS)/check-unit.res $^
check-unit-asan: $(ASAN_UNIT_BINS)
	@tests/unit/run.sh $(RESULTS)/check-unit-asan.res $^
