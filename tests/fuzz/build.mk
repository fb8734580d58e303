# tests/fuzz: libFuzzer harnesses, one per tests/fuzz/fuzz_<name>.c, each
# linked against daemon/common compiled with clang and the sanitizers
# (-fsanitize=fuzzer-no-link for the library, fuzzer for the harness).
#   make fuzz        every harness for FUZZ_SECONDS (default 60)
#   make check-fuzz  every harness for FUZZ_CHECK_SECONDS (default 20), from its
#                    seed corpus tests/fuzz/corpus/<name>/ (and <name>.dict)
# Runs work on a copy of the corpus under $(B)/fuzz/, so the tree stays clean;
# crash inputs are kept as $(B)/fuzz/crash-<name>-*.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 20
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -I$(CURDIR)/daemon/lib -I$(CURDIR)/uapi -I$(CURDIR) $(PKG_CFLAGS) \
	-Wall -Wextra -Wno-unused-parameter $(FUZZ_SAN)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_BINS := $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)
FUZZ_LIB_OBJS := $(COMMON_SRCS:%.c=$(B)/fuzz/obj/%.o)

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(B)/fuzz/libavpn-fuzz.a: $(FUZZ_LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(B)/fuzz/libavpn-fuzz.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# fuzz_registry also links the registry's datagram path (not main.c, http.c).
FUZZ_REGISTRY_OBJS := $(patsubst %.c,$(B)/fuzz/obj/%.o,$(filter-out \
	daemon/registry/main.c daemon/registry/http.c,$(REGISTRY_SRCS)))
$(B)/fuzz/fuzz_registry: tests/fuzz/fuzz_registry.c $(FUZZ_REGISTRY_OBJS) $(B)/fuzz/libavpn-fuzz.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

.PHONY: fuzz check-fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@for n in $(FUZZ_NAMES); do \
		tests/fuzz/run.sh $(B) $$n $(FUZZ_SECONDS) || exit 1; \
	done

CHECK_SUITES += check-fuzz
check-fuzz: $(FUZZ_BINS)
	@mkdir -p $(RESULTS); : > $(RESULTS)/check-fuzz.res
	@for n in $(FUZZ_NAMES); do \
		if tests/fuzz/run.sh $(B) $$n $(FUZZ_CHECK_SECONDS); then \
			echo "PASS fuzz.$$n" >> $(RESULTS)/check-fuzz.res; \
		else echo "FAIL fuzz.$$n" >> $(RESULTS)/check-fuzz.res; fi; \
	done

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_REGISTRY_OBJS:.o=.d)
