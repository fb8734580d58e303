# tests/vm: the QEMU harness that runs the module scenarios (DESIGN.md §9,
# tests/vm/README.md).
#   make check-vm                 every tests/net/*.sh scenario in one VM boot
#   make check-vm-noipv6          tests/net/noipv6/*.sh in a VM booted with
#                                 ipv6.disable=1 (a gateway without IPv6)
#   make check-vm-selftest        the harness classifies known cases right
#   make vm-run SCEN="tests/net/x.sh ..." [VM_ARGS="-t 60"]   for developers
# VM_TIMEOUT is the default per-scenario timeout in seconds.

VM_TIMEOUT ?= 300
VM_SCENARIOS = $(filter-out tests/net/lib.sh,$(sort $(wildcard tests/net/*.sh)))
VM_NOIPV6_SCENARIOS = $(sort $(wildcard tests/net/noipv6/*.sh))
VM_KVER := $(KVER)
VM_WARNMOD := $(B)/vm/warnmod/avpn_vm_warn.ko

CHECK_SUITES += check-vm check-vm-noipv6 check-vm-selftest
CHECK_BUILD += module userspace $(VM_WARNMOD)
.PHONY: check-vm check-vm-noipv6 check-vm-selftest vm-run

# Without scenarios yet, the harness's own passing self-tests stand in.
check-vm: module userspace
	@mkdir -p $(RESULTS)
	@KVER=$(VM_KVER) tests/vm/run.sh -t $(VM_TIMEOUT) -o $(RESULTS)/check-vm.res \
		$(or $(VM_SCENARIOS),tests/vm/selftest/pass.sh)

check-vm-noipv6: module userspace
	@mkdir -p $(RESULTS)
	@KVER=$(VM_KVER) AVPN_VM_APPEND="$$AVPN_VM_APPEND ipv6.disable=1" tests/vm/run.sh -t $(VM_TIMEOUT) \
		-o $(RESULTS)/check-vm-noipv6.res $(VM_NOIPV6_SCENARIOS)

vm-run: module userspace
	@test -n "$(SCEN)" || { echo 'usage: make vm-run SCEN="tests/net/x.sh ..."'; exit 2; }
	@KVER=$(VM_KVER) tests/vm/run.sh -t $(VM_TIMEOUT) $(VM_ARGS) $(SCEN)

# The self-test module is built out of tree in build/, not next to its source.
$(VM_WARNMOD): tests/vm/selftest/warnmod/avpn_vm_warn.c tests/vm/selftest/warnmod/Kbuild
	@mkdir -p $(@D)
	cp $^ $(@D)/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(@D) modules

check-vm-selftest: $(VM_WARNMOD)
	@mkdir -p $(RESULTS)
	@KVER=$(VM_KVER) tests/vm/selftest/check.sh $(RESULTS)/check-vm-selftest.res
