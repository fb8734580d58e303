# tests/ops: what an operator installs, on the host (no VM, no root needed
# except where said): the man pages (man/), bash completion, the systemd
# units, `make install`/`uninstall` and the Debian packages (dist/, debian/).
# Each suite is a script tests/ops/NAME.sh printing "RESULT PASS|FAIL name"
# lines; its log and .res land in $(RESULTS) like every suite's.

# $(call ops_suite,NAME,PREREQUISITES)
define ops_suite
CHECK_SUITES += check-ops-$(1)
.PHONY: check-ops-$(1)
check-ops-$(1): $(2)
	@mkdir -p $$(RESULTS)
	@B=$$(B) tests/ops/$(1).sh > $$(RESULTS)/check-ops-$(1).log 2>&1; \
	cat $$(RESULTS)/check-ops-$(1).log; \
	sed -n 's/^RESULT \(PASS\|FAIL\) /\1 ops./p' $$(RESULTS)/check-ops-$(1).log \
		> $$(RESULTS)/check-ops-$(1).res
endef

$(eval $(call ops_suite,man,$(B)/autovpn $(B)/autovpnd $(B)/autovpn-registry))
$(eval $(call ops_suite,completion,$(B)/autovpn))
$(eval $(call ops_suite,units,$(B)/autovpn $(B)/autovpnd $(B)/autovpn-registry))
$(eval $(call ops_suite,install,userspace))
CHECK_BUILD += userspace
# make deb and the packages' checks (about a minute: a build of the three
# programs and lintian).
$(eval $(call ops_suite,deb,))

# make check-deb-root: the packages installed into a clean Debian 12 root
# (debootstrap, cached in $(B)/debroot) and the module built there by DKMS
# for the 6.1 headers (tests/ops/deb_root.sh), the units run in it under
# systemd (autovpnd's in a VM: tests/ops/deb_root_vm.sh). Needs root, the
# apt mirror and qemu, and takes minutes (the first run: debootstrap and
# the headers), so it is not one of CHECK_SUITES; its .res goes next to
# theirs.
.PHONY: check-deb-root
check-deb-root: deb
	@mkdir -p $(RESULTS)
	@B=$(B) tests/ops/deb_root.sh > $(RESULTS)/check-deb-root.log 2>&1; \
	cat $(RESULTS)/check-deb-root.log; \
	sed -n 's/^RESULT \(PASS\|FAIL\) /\1 ops./p' $(RESULTS)/check-deb-root.log \
		> $(RESULTS)/check-deb-root.res; \
	tests/summary.sh $(RESULTS) check-deb-root
