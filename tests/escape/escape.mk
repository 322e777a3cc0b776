# Escape suite (tests/escape/escape.t): the multi-call attack binary that
# performs one attempt of docs/ATTACKS.md per run, in the control and in
# the sandbox.
# It stands for hostile job code, not for trex, so it is never built with
# sanitizers: ASan's shadow memory and LeakSanitizer's ptrace would change
# the outcome of attempts such as mlockall or quotactl.
ESC_ATTACK_SRCS := $(sort $(wildcard tests/escape/attacks/*.c))
ESC_ATTACK_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(ESC_ATTACK_SRCS))
ESC_CFLAGS := -std=gnu11 -O2 -g $(WARN) -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE

$(ESC_ATTACK_OBJS): BASE_CFLAGS := $(ESC_CFLAGS)

$(BUILD)/tests/escape/attack: $(ESC_ATTACK_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ESC_CFLAGS) -pie -o $@ $^ -lpthread

TEST_BINS += $(BUILD)/tests/escape/attack
