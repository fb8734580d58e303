# tests/fuzz: libFuzzer harnesses, one per tests/fuzz/fuzz_<name>.c, each
# linked against the userspace archives compiled with clang and the
# sanitizers (-fsanitize=fuzzer-no-link for the archives, fuzzer for the
# harness).
#   make fuzz        every harness for FUZZ_SECONDS (default 60)
#   make check-fuzz  every harness for FUZZ_CHECK_SECONDS (default 20), from its
#                    seed corpus tests/fuzz/corpus/<name>/ (and <name>.dict)
# Runs work on a copy of the corpus under $(B)/fuzz/, so the tree stays clean;
# crash inputs are kept as $(B)/fuzz/crash-<name>-*.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 20
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -I$(CURDIR)/daemon/lib -I$(CURDIR)/uapi $(PKG_CFLAGS) \
	-Wall -Wextra -Wno-unused-parameter $(FUZZ_SAN)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_BINS := $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

# The archives of the userspace build, compiled for libFuzzer: a harness
# links $(B)/fuzz/libavpn.a, and a harness of a program's code,
# fuzz_<program>.c or fuzz_<program>_*.c, that program's archive in front of
# it (fuzz_registry.c: the registry's datagram path in libregistry.a).
define fuzz_archive
$(B)/fuzz/lib$(1).a: $(2:%.c=$(B)/fuzz/obj/%.o)
	rm -f $$@ && ar rcs $$@ $$^
-include $(2:%.c=$(B)/fuzz/obj/%.d)
endef
$(eval $(call fuzz_archive,avpn,$(LIB_SRCS)))
$(if $(REGISTRY_LIB_SRCS),$(eval $(call fuzz_archive,registry,$(REGISTRY_LIB_SRCS))))
$(if $(GATEWAY_LIB_SRCS),$(eval $(call fuzz_archive,gateway,$(GATEWAY_LIB_SRCS))))
$(if $(TOOL_LIB_SRCS),$(eval $(call fuzz_archive,tool,$(TOOL_LIB_SRCS))))

# $(call fuzz_program,PROGRAM,DIRECTORY): its headers are found there.
define fuzz_program
$(B)/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(B)/fuzz/lib$(1).a $(B)/fuzz/libavpn.a
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -I$(2) -fsanitize=fuzzer -o $$@ $$^ $$(LDLIBS)
$(B)/fuzz/fuzz_$(1)_%: tests/fuzz/fuzz_$(1)_%.c $(B)/fuzz/lib$(1).a $(B)/fuzz/libavpn.a
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -I$(2) -fsanitize=fuzzer -o $$@ $$^ $$(LDLIBS)
endef
$(eval $(call fuzz_program,registry,daemon/registry))
$(eval $(call fuzz_program,gateway,daemon/gateway))
$(eval $(call fuzz_program,tool,tools))

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(B)/fuzz/libavpn.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(CURDIR)/tests/unit -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

.PHONY: fuzz check-fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@for n in $(FUZZ_NAMES); do \
		tests/fuzz/run.sh $(B) $$n $(FUZZ_SECONDS) || exit 1; \
	done

CHECK_SUITES += check-fuzz
CHECK_BUILD += $(FUZZ_BINS)
# Two harnesses at a time (the machines have two cores, and nothing else runs
# then); each one's output is kept apart and shown after the lot.
check-fuzz: $(FUZZ_BINS)
	@mkdir -p $(RESULTS); : > $(RESULTS)/check-fuzz.res
	@printf '%s\n' $(FUZZ_NAMES) | xargs -P 2 -I NAME sh -c \
		'if tests/fuzz/run.sh $(B) NAME $(FUZZ_CHECK_SECONDS) > $(B)/fuzz/NAME.out 2>&1; \
		then echo "PASS fuzz.NAME"; else echo "FAIL fuzz.NAME"; fi' \
		> $(RESULTS)/check-fuzz.unsorted
	@for n in $(FUZZ_NAMES); do cat $(B)/fuzz/$$n.out; done
	@sort $(RESULTS)/check-fuzz.unsorted > $(RESULTS)/check-fuzz.res
	@rm -f $(RESULTS)/check-fuzz.unsorted
