# daemon/lib/wire/noise.mk: builds and runs the handshake code's tests, fuzzer
# and benchmark on their own, until the lead folds them into the new build:
#
#   make -f daemon/lib/wire/noise.mk noise-check   unit tests, plain and ASan/UBSan
#   make -f daemon/lib/wire/noise.mk noise-fuzz    fuzz_hsmsg for NOISE_FUZZ_SECONDS (60)
#   make -f daemon/lib/wire/noise.mk noise-bench   responder handshakes per CPU-second
#
# Run from the top of the tree. Needs libsodium, json-c (the vector test),
# Check and clang (the fuzzer). Everything lands in $(NOISE_B).
# NOISE_VECTORS is the cacophony vector file the Noise test reads (the
# project keeps it next to the repository, in ../shared/vectors).

NOISE_B ?= build/noise
NOISE_CC ?= gcc
NOISE_FUZZ_CC ?= clang
NOISE_FUZZ_SECONDS ?= 60
NOISE_VECTORS ?= $(firstword $(wildcard $(CURDIR)/../shared/vectors/noise-ik.json \
	/work/shared/vectors/noise-ik.json) $(CURDIR)/../shared/vectors/noise-ik.json)

NOISE_WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2
NOISE_CFLAGS := -std=gnu11 -O2 -g -D_GNU_SOURCE $(NOISE_WARN) -Idaemon/lib -Itests/unit \
	$(shell pkg-config --cflags libsodium check json-c)
NOISE_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
NOISE_LIBS := $(shell pkg-config --libs libsodium)
NOISE_TEST_LIBS := $(NOISE_LIBS) $(shell pkg-config --libs check json-c)

NOISE_SRCS := daemon/lib/wire/noise.c daemon/lib/wire/hsmsg.c daemon/lib/wire/cookie.c \
	daemon/lib/wire/handshake.c daemon/lib/base/ratelimit.c
NOISE_HDRS := $(NOISE_SRCS:.c=.h) tests/unit/unit.h
NOISE_TESTS ?= test_noise test_hsmsg test_cookie test_ratelimit test_handshake
NOISE_UNIT := $(NOISE_TESTS:%=$(NOISE_B)/unit/%)
NOISE_UNIT_ASAN := $(NOISE_TESTS:%=$(NOISE_B)/unit-asan/%)

.PHONY: noise-all noise-check noise-check-plain noise-check-asan noise-fuzz noise-bench \
	noise-clean
noise-all: $(NOISE_UNIT) $(NOISE_UNIT_ASAN) $(NOISE_B)/fuzz_hsmsg $(NOISE_B)/hs_bench

$(NOISE_B)/unit/%: tests/unit/%.c $(NOISE_SRCS) $(NOISE_HDRS)
	@mkdir -p $(@D)
	$(NOISE_CC) $(NOISE_CFLAGS) -DNOISE_VECTORS='"$(NOISE_VECTORS)"' -o $@ $< \
		$(NOISE_SRCS) $(NOISE_TEST_LIBS)

$(NOISE_B)/unit-asan/%: tests/unit/%.c $(NOISE_SRCS) $(NOISE_HDRS)
	@mkdir -p $(@D)
	$(NOISE_CC) $(NOISE_CFLAGS) -O1 $(NOISE_SAN) -DNOISE_VECTORS='"$(NOISE_VECTORS)"' -o $@ \
		$< $(NOISE_SRCS) $(NOISE_TEST_LIBS)

# Same PASS/FAIL lines as `make check` (tests/unit/run.sh).
noise-check: noise-check-plain noise-check-asan
	@cat $(NOISE_B)/results/unit.res $(NOISE_B)/results/unit-asan.res | \
		awk '/^PASS/ {p++} /^FAIL/ {f++; print} END {printf "noise: %d passed, %d failed\n", p, f; exit f > 0 || p == 0}'
noise-check-plain: $(NOISE_UNIT)
	@tests/unit/run.sh $(NOISE_B)/results/unit.res $^
noise-check-asan: $(NOISE_UNIT_ASAN)
	@tests/unit/run.sh $(NOISE_B)/results/unit-asan.res $^

$(NOISE_B)/fuzz_hsmsg: tests/fuzz/fuzz_hsmsg.c $(NOISE_SRCS) $(NOISE_HDRS)
	@mkdir -p $(@D)
	$(NOISE_FUZZ_CC) -std=gnu11 -g -O1 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
		-Idaemon/lib $(shell pkg-config --cflags libsodium) $(NOISE_SAN) \
		-fsanitize=fuzzer -o $@ $< $(NOISE_SRCS) $(NOISE_LIBS)

# tests/fuzz/run.sh runs $(B)/fuzz/fuzz_NAME on a scratch copy of the corpus.
noise-fuzz: $(NOISE_B)/fuzz_hsmsg
	@mkdir -p $(NOISE_B)/fuzz && cp $< $(NOISE_B)/fuzz/fuzz_hsmsg
	@tests/fuzz/run.sh $(NOISE_B) hsmsg $(NOISE_FUZZ_SECONDS)

$(NOISE_B)/hs_bench: tests/bench/hs_bench.c $(NOISE_SRCS) $(NOISE_HDRS)
	@mkdir -p $(@D)
	$(NOISE_CC) $(NOISE_CFLAGS) -o $@ $< $(NOISE_SRCS) $(NOISE_LIBS)

noise-bench: $(NOISE_B)/hs_bench
	$(NOISE_B)/hs_bench

noise-clean:
	rm -rf $(NOISE_B)
