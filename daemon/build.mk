# daemon/: the code shared by autovpnd, autovpn-registry and the tool
# (daemon/common -> $(B)/libavpn.a), and the daemons themselves.

COMMON_SRCS := $(sort $(wildcard daemon/lib/*/*.c daemon/common/*.c))
COMMON_OBJS := $(COMMON_SRCS:%.c=$(B)/%.o)
ASAN_COMMON_OBJS := $(COMMON_SRCS:%.c=$(B)/asan/%.o)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c $< -o $@

# Sanitizer builds of the same sources, for the unit tests under ASan/UBSan.
$(B)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) $(SAN_FLAGS) -O1 -MMD -MP -c $< -o $@

$(B)/libavpn.a: $(COMMON_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/asan/libavpn.a: $(ASAN_COMMON_OBJS)
	rm -f $@ && ar rcs $@ $^

REGISTRY_SRCS := $(sort $(wildcard daemon/registry/*.c))
REGISTRY_OBJS := $(REGISTRY_SRCS:%.c=$(B)/%.o)
ifneq ($(REGISTRY_SRCS),)
BINS += $(B)/autovpn-registry
$(B)/autovpn-registry: $(REGISTRY_OBJS) $(B)/libavpn.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
endif

GATEWAY_SRCS := $(sort $(wildcard daemon/gateway/*.c))
GATEWAY_OBJS := $(GATEWAY_SRCS:%.c=$(B)/%.o)
ifneq ($(GATEWAY_SRCS),)
BINS += $(B)/autovpnd
$(B)/autovpnd: $(GATEWAY_OBJS) $(B)/libavpn.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
endif

-include $(COMMON_OBJS:.o=.d) $(ASAN_COMMON_OBJS:.o=.d) $(REGISTRY_OBJS:.o=.d) $(GATEWAY_OBJS:.o=.d)
