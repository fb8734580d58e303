# daemon/: the library of every userspace program (daemon/lib ->
# $(B)/libavpn.a, by layer: base, wire, conf, nl, ctl) and the daemons. A
# daemon is its main.c plus an archive of the rest of its directory, which
# its unit tests and fuzzers link too: daemon/registry -> $(B)/libregistry.a
# and autovpn-registry, daemon/gateway -> $(B)/libgateway.a and autovpnd.

LIB_SRCS := $(sort $(wildcard daemon/lib/*/*.c))
$(eval $(call archives,avpn,$(LIB_SRCS)))

REGISTRY_SRCS := $(sort $(wildcard daemon/registry/*.c))
REGISTRY_LIB_SRCS := $(filter-out daemon/registry/main.c,$(REGISTRY_SRCS))
ifneq ($(REGISTRY_SRCS),)
BINS += $(B)/autovpn-registry
$(eval $(call archives,registry,$(REGISTRY_LIB_SRCS)))
$(B)/autovpn-registry: $(B)/daemon/registry/main.o $(B)/libregistry.a $(B)/libavpn.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
endif

GATEWAY_SRCS := $(sort $(wildcard daemon/gateway/*.c))
GATEWAY_LIB_SRCS := $(filter-out daemon/gateway/main.c,$(GATEWAY_SRCS))
ifneq ($(GATEWAY_SRCS),)
BINS += $(B)/autovpnd
$(eval $(call archives,gateway,$(GATEWAY_LIB_SRCS)))
$(B)/autovpnd: $(B)/daemon/gateway/main.o $(B)/libgateway.a $(B)/libavpn.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
endif

-include $(B)/daemon/registry/main.d $(B)/daemon/gateway/main.d
