# tests/debug: the VM suite under a debug kernel (issue 9; tests/vm/README.md).
#   make deps-debug       install what the debug kernel needs (linux-source-6.1,
#                         flex, bison, ...; not in make deps)
#   make debug-kernel     build (or find in the cache) the debug kernel
#   make check-debug      every tests/net/*.sh and tests/debug/net/*.sh under it,
#                         in DEBUG_JOBS VMs at once (tests/vm/run.sh -j)
#   make check-debug-ci   the fixed subset .ci/run runs with AVPN_CI_DEBUG=1
#                         (lifecycle, netlink errors and faults, fuzzing,
#                         drops, key swap, reload)
# Not part of `make check` nor of CI by default: the kernel takes 18-60 min to
# build the first time on a machine (then it is cached, see
# tests/debug/kernel.sh), and the subset runs for more than half an hour.

DEBUG_SCENARIOS = $(VM_SCENARIOS) $(sort $(wildcard tests/debug/net/*.sh))
# Two VMs at once (2 GiB each): the long fuzzing and fault-injection
# scenarios are bounded by time, not by CPU, so the others run beside them
# (one VM ran the whole suite in about 3 h on the 2-core machines).
DEBUG_JOBS ?= 2
# The CI subset, with shorter runs than check-debug's: lifecycle, netlink
# errors and faults, fuzzing, drops, key swap, module reload.
DEBUG_CI_SCENARIOS = tests/net/lifecycle.sh tests/net/netlink_errors.sh \
	tests/debug/net/fault_inject.sh tests/net/nl_fuzz.sh tests/net/pkt_fuzz.sh \
	tests/net/drops.sh tests/net/key_swap_iperf.sh tests/net/module_reload.sh
DEBUG_CI_ENV = -e AVPN_LIFECYCLE_ROUNDS=8 -e AVPN_NLFUZZ_SECS=120 \
	-e AVPN_PKTFUZZ_COUNT=20000 -e AVPN_FI_REPS=2 -e AVPN_FI_LOAD_SECS=240 \
	-e ROUNDS=5

.PHONY: deps-debug debug-kernel check-debug check-debug-ci
deps-debug:
	tests/deps.sh --debug

debug-kernel:
	tests/debug/kernel.sh

check-debug: userspace
	@mkdir -p $(RESULTS)
	-tests/debug/check.sh -o $(RESULTS)/check-debug.res -j $(DEBUG_JOBS) $(DEBUG_SCENARIOS)
	@tests/summary.sh $(RESULTS) check-debug

check-debug-ci: userspace
	@mkdir -p $(RESULTS)
	-tests/debug/check.sh -o $(RESULTS)/check-debug-ci.res $(DEBUG_CI_ENV) \
		$(DEBUG_CI_SCENARIOS)
	@tests/summary.sh $(RESULTS) check-debug-ci
