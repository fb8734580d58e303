# kernel/: autovpn.ko itself is built by Kbuild (kernel/Kbuild) through the
# top Makefile's `module` target, for $(KVER). check-kbuild compile-tests
# the module against every kernel header tree installed (the floor kernel,
# 6.1, and the newest Debian offers, see tests/deps.sh), from a copy of the
# sources in $(B)/kbuild/, so the module of `make module` is untouched.
CHECK_SUITES += check-kbuild
.PHONY: check-kbuild
check-kbuild:
	@mkdir -p $(RESULTS) $(B)/kbuild
	@kernel/check-kbuild.sh $(CURDIR)/$(B)/kbuild $(RESULTS)/check-kbuild.res
