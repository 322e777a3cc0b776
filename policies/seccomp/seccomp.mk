# policies/seccomp: secpolc (lint/compile profiles) and the built-in default
# profile compiled at build time into a C array for trex-sandbox.
SECPOLC := $(BUILD)/secpolc

$(SECPOLC): $(BUILD)/policies/seccomp/tool/secpolc.o $(call lib_file,policies/seccomp) $(call lib_file,common)
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $^ $(LIBS_SECCOMP)

$(BUILD)/gen/secpol_default.c: policies/seccomp/default.policy $(SECPOLC)
	@mkdir -p $(dir $@)
	$(SECPOLC) --c-array sbx_default_bpf $< > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/secpol_default.o: $(BUILD)/gen/secpol_default.c
	$(CC) $(BASE_CFLAGS) -c $< -o $@

# the binary embeds the compiled default profile (referenced from
# sandbox/main.c only, so unit tests do not need it)
$(BUILD)/trex-sandbox: $(BUILD)/gen/secpol_default.o

TEST_BINS += $(SECPOLC)
