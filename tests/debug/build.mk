# tests/debug: the VM suite under a debug kernel (issue 9; tests/vm/README.md).
#   make debug-kernel     build (or find in the cache) the debug kernel
#   make check-debug      every tests/net/*.sh and tests/debug/net/*.sh under it
#   make check-debug-ci   the fixed subset .ci/run runs (lifecycle, netlink
#                         errors and faults, fuzzing, drops, key swap, reload)
# Not part of `make check`: the kernel takes 20-40 min to build the first time
# on a machine (then it is cached, see tests/debug/kernel.sh).

DEBUG_SCENARIOS = $(VM_SCENARIOS) $(sort $(wildcard tests/debug/net/*.sh))
# The CI subset, with shorter runs than check-debug's (see .ci/run for the
# time budget): lifecycle, netlink errors and faults, fuzzing, drops, key
# swap, module reload.
DEBUG_CI_SCENARIOS = tests/net/lifecycle.sh tests/net/netlink_errors.sh \
	tests/debug/net/fault_inject.sh tests/net/nl_fuzz.sh tests/net/pkt_fuzz.sh \
	tests/net/drops.sh tests/net/key_swap_iperf.sh tests/net/module_reload.sh
DEBUG_CI_ENV = -e AVPN_LIFECYCLE_ROUNDS=8 -e AVPN_NLFUZZ_SECS=120 \
	-e AVPN_PKTFUZZ_COUNT=20000 -e AVPN_FI_REPS=2 -e AVPN_FI_LOAD_SECS=240 \
	-e ROUNDS=5

.PHONY: debug-kernel check-debug check-debug-ci
debug-kernel:
	tests/debug/kernel.sh

check-debug: userspace
	@mkdir -p $(RESULTS)
	-tests/debug/check.sh -o $(RESULTS)/check-debug.res $(DEBUG_SCENARIOS)
	@tests/summary.sh $(RESULTS) check-debug

check-debug-ci: userspace
	@mkdir -p $(RESULTS)
	-tests/debug/check.sh -o $(RESULTS)/check-debug-ci.res $(DEBUG_CI_ENV) \
		$(DEBUG_CI_SCENARIOS)
	@tests/summary.sh $(RESULTS) check-debug-ci
