# trex — one Makefile, wildcard driven. Each component folder is a static
# library (every .c but main.c) plus, for binaries, its main.c. Component
# fragments (*.mk) may add targets, test programs and check suites.

CC       ?= gcc
BUILD    ?= build
PKGS     := libuv libseccomp libcap openssl jansson sqlite3
LLHTTP   := /usr/share/llhttp
LLHTTP_H := /usr/share/include/llhttp

WARN     := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 -Wno-format-truncation -Wvla
ifneq ($(findstring clang,$(CC)),)
# libseccomp's SCMP_A0(op, value) leaves datum_b to the compound literal's
# zero fill, which clang (unlike gcc, for a system header's macro) flags
WARN     += -Wno-unknown-warning-option -Wno-missing-field-initializers
endif
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fPIE
OPT      ?= -O2 -g
CFLAGS   ?=
CPPFLAGS += -D_GNU_SOURCE -I. -Icommon -I$(LLHTTP_H)
BASE_CFLAGS := -std=gnu11 $(OPT) $(WARN) $(HARDEN) $(CFLAGS)
LDFLAGS_BASE := -pie -Wl,-z,relro,-z,now $(LDFLAGS)

# `make SAN=1 check`: ASan + UBSan build in build-san/
ifeq ($(SAN),1)
BUILD    := build-san
OPT      := -O1 -g -fno-omit-frame-pointer
HARDEN   := -fPIE
BASE_CFLAGS := -std=gnu11 $(OPT) $(WARN) $(HARDEN) -fsanitize=address,undefined -fno-sanitize-recover=undefined $(CFLAGS)
LDFLAGS_BASE := -pie -fsanitize=address,undefined $(LDFLAGS)
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libraries through pkg-config (GLPK ships no .pc file in Debian 12)
pkg_libs     = $(shell pkg-config --libs $(1) 2>/dev/null || echo $(2))
LIBS_UV      := $(call pkg_libs,libuv,-luv)
LIBS_SECCOMP := $(call pkg_libs,libseccomp,-lseccomp)
LIBS_CAP     := $(call pkg_libs,libcap,-lcap)
LIBS_SSL     := $(call pkg_libs,openssl,-lssl -lcrypto)
LIBS_JSON    := $(call pkg_libs,jansson,-ljansson)
LIBS_SQLITE  := $(call pkg_libs,sqlite3,-lsqlite3)
LIBS_GLPK    := -lglpk
LIBS_ALL     = $(LIBS_UV) $(LIBS_SECCOMP) $(LIBS_CAP) $(LIBS_SSL) $(LIBS_JSON) $(LIBS_SQLITE) $(LIBS_GLPK) -lm -lpthread

# component libraries: name -> folder
LIB_DIRS := common sandbox policies/seccomp policies/check runner agent bench/synth
lib_name = $(subst /,_,$(1))
lib_srcs = $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))
lib_file = $(BUILD)/lib$(call lib_name,$(1)).a

ALL_LIBS := $(foreach d,$(LIB_DIRS),$(call lib_file,$(d)))

BINS := $(BUILD)/trex-sandbox $(BUILD)/trexd $(BUILD)/trex-check $(BUILD)/trex $(BUILD)/trex-synth

# installation folders (`make install`, FHS); the binaries are built with
# them compiled in (common/paths.h), so they find their packs and profile
# from the prefix, not from where they sit
PREFIX        ?= /usr/local
BINDIR        ?= $(PREFIX)/bin
SBINDIR       ?= $(PREFIX)/sbin
DATADIR       ?= $(PREFIX)/share
MANDIR        ?= $(DATADIR)/man
SYSCONFDIR    ?= /etc
LOCALSTATEDIR ?= /var
DESTDIR       ?=
TREX_SHARE    := $(DATADIR)/trex
paths_defs = -DTREX_DATADIR='"$(1)"' -DTREX_SANDBOX='"$(2)/trex-sandbox"' \
	-DTREX_CHECK='"$(3)/trex-check"' -DTREX_TREXD='"$(2)/trexd"' \
	-DTREX_CONFIG='"$(4)/trex/trexd.json"' -DTREX_STATEDIR='"$(5)/lib/trex"'
# the build tree's binaries use this checkout (tests run them in place)
TREE_PATHS := $(call paths_defs,$(CURDIR)/policies,$(abspath $(BUILD)),$(abspath $(BUILD)),/etc,/var)
INST_PATHS := $(call paths_defs,$(TREX_SHARE),$(SBINDIR),$(BINDIR),$(SYSCONFDIR),$(LOCALSTATEDIR))

# check suites: programs/scripts printing TAP lines; fragments append to these
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
TEST_BINS  :=
CHECK_DEPS :=

.PHONY: all deps check check-slurm demo test-run demo-run bench clean lint sanitize valgrind install uninstall deb FORCE
# keep object files of test programs (they are not intermediate to us)
.SECONDARY:
all: $(BINS)

include $(sort $(wildcard */*.mk */*/*.mk))

# every benchmark, each writing its section of bench/BENCHMARKS.md
bench: bench-sandbox bench-check bench-joint bench-api

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(BASE_CFLAGS) -MMD -MP -c $< -o $@

# llhttp ships as C sources in node-llhttp; compiled here, never copied in
$(BUILD)/llhttp/%.o: $(LLHTTP)/%.c
	@mkdir -p $(dir $@)
	$(CC) -I$(LLHTTP_H) -std=gnu11 $(OPT) $(HARDEN) -w -c $< -o $@
$(BUILD)/libllhttp.a: $(BUILD)/llhttp/api.o $(BUILD)/llhttp/http.o $(BUILD)/llhttp/llhttp.o
	$(AR) rcs $@ $^

define LIB_RULE
$(call lib_file,$(1)): $(patsubst %.c,$(BUILD)/%.o,$(call lib_srcs,$(1))) $(BUILD)/empty.o
	@mkdir -p $$(dir $$@)
	rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach d,$(LIB_DIRS),$(eval $(call LIB_RULE,$(d))))

$(BUILD)/empty.o:
	@mkdir -p $(dir $@)
	echo 'typedef int trex_empty_unit;' | $(CC) -x c -c - -o $@

# trex-sandbox never links libuv, OpenSSL or jansson (docs/DESIGN.md)
$(BUILD)/trex-sandbox: $(BUILD)/sandbox/main.o $(call lib_file,sandbox) $(call lib_file,policies/seccomp) $(call lib_file,common)
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $^ $(LIBS_SECCOMP) $(LIBS_CAP)

# the objects and libraries of each binary that reads installed files
# (common/paths.h): linked once for build/, once more for `make install`
# trexd reads disclosure packs with trex-check's reader (runner/packs.c)
# and derived-statistic declarations with its declaration parser
# (runner/manifest.c): those objects, not the checker's library
TREXD_IN := $(BUILD)/runner/main.o $(call lib_file,runner) $(call lib_file,policies/seccomp) $(BUILD)/policies/check/policy.o $(BUILD)/policies/check/manifest.o $(BUILD)/libllhttp.a $(call lib_file,common)
TREXD_LIBS = $(LIBS_UV) $(LIBS_SECCOMP) $(LIBS_JSON) $(LIBS_SQLITE) $(LIBS_SSL) -lpthread
CHECK_IN := $(BUILD)/policies/check/main.o $(call lib_file,policies/check) $(call lib_file,common)
CHECK_LIBS = $(LIBS_JSON) $(LIBS_GLPK) $(LIBS_SSL) -lm
# trex run --local builds and reads a job as trexd does: trexd's own
# validator, command lines and check reading (runner/), and the seccomp
# profile compiler when a configuration names a profile; trex dummy
# writes with trex-synth's machinery (bench/synth)
TREX_IN := $(BUILD)/agent/main.o $(call lib_file,agent) $(call lib_file,runner) $(call lib_file,policies/seccomp) $(BUILD)/policies/check/policy.o $(BUILD)/policies/check/manifest.o $(call lib_file,bench/synth) $(call lib_file,common)
TREX_LIBS = $(LIBS_JSON) $(LIBS_SSL) $(LIBS_SECCOMP) -lm

$(BUILD)/trexd: $(TREXD_IN)
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $^ $(TREXD_LIBS)

$(BUILD)/trex-check: $(CHECK_IN)
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $^ $(CHECK_LIBS)

$(BUILD)/trex: $(TREX_IN)
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $^ $(TREX_LIBS)

$(BUILD)/trex-synth: $(BUILD)/bench/synth/main.o $(call lib_file,bench/synth) $(call lib_file,common)
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $^ $(LIBS_SSL) -lm

# common/paths.c, compiled with the build tree's folders (in libcommon,
# for build/ and the unit tests) and with the prefix's (linked ahead of
# the libraries into the installed copies, so the archive's member is
# never pulled in). A stamp per flavour rebuilds it when a folder changes.
$(BUILD)/paths-%.flags: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(subst ','\'',$(if $(filter inst,$*),$(INST_PATHS),$(TREE_PATHS)))' >$@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi
$(BUILD)/common/paths.o: CPPFLAGS += $(TREE_PATHS)
$(BUILD)/common/paths.o: $(BUILD)/paths-tree.flags
$(BUILD)/inst/paths.o: common/paths.c $(BUILD)/paths-inst.flags
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(INST_PATHS) $(BASE_CFLAGS) -c $< -o $@

INST_BINS := $(BUILD)/inst/trexd $(BUILD)/inst/trex-check $(BUILD)/inst/trex
$(BUILD)/inst/trexd: $(BUILD)/inst/paths.o $(TREXD_IN)
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $^ $(TREXD_LIBS)
$(BUILD)/inst/trex-check: $(BUILD)/inst/paths.o $(CHECK_IN)
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $^ $(CHECK_LIBS)
$(BUILD)/inst/trex: $(BUILD)/inst/paths.o $(TREX_IN)
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $^ $(TREX_LIBS)

# `make install [PREFIX=/usr/local] [DESTDIR=]`: commands in bin/, the
# daemon and its sandbox helper in sbin/, packs and the seccomp profile in
# share/trex/, man pages, /etc/trex (a sample trexd.json, never over one
# that is there) and /var/lib/trex (0700: jobs, store, audit log).
# `make uninstall` leaves /etc/trex and /var/lib/trex (the operator's).
MAN_PAGES := $(wildcard docs/man/*.[158])
install: $(BUILD)/trex-sandbox $(INST_BINS)
	install -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(TREX_SHARE)/disclosure $(DESTDIR)$(TREX_SHARE)/seccomp \
		$(DESTDIR)$(SYSCONFDIR)/trex
	install -m 0755 $(BUILD)/inst/trex $(BUILD)/inst/trex-check $(DESTDIR)$(BINDIR)/
	install -m 0755 $(BUILD)/inst/trexd $(BUILD)/trex-sandbox $(DESTDIR)$(SBINDIR)/
	install -m 0644 policies/disclosure/*.json policies/disclosure/README.md $(DESTDIR)$(TREX_SHARE)/disclosure/
	install -m 0644 policies/seccomp/default.policy $(DESTDIR)$(TREX_SHARE)/seccomp/
	sed 's|@STATEDIR@|$(LOCALSTATEDIR)/lib/trex|' examples/trexd.json.in >$(BUILD)/trexd.json.sample
	install -m 0644 $(BUILD)/trexd.json.sample $(DESTDIR)$(TREX_SHARE)/trexd.json.sample
	test -e $(DESTDIR)$(SYSCONFDIR)/trex/trexd.json || \
		install -m 0640 $(BUILD)/trexd.json.sample $(DESTDIR)$(SYSCONFDIR)/trex/trexd.json
	install -d -m 0700 $(DESTDIR)$(LOCALSTATEDIR)/lib/trex
	for s in 1 5 8; do \
		install -d -m 0755 $(DESTDIR)$(MANDIR)/man$$s; \
		for m in docs/man/*.$$s; do \
			[ ! -e "$$m" ] || install -m 0644 "$$m" $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
		done; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/trex $(DESTDIR)$(BINDIR)/trex-check \
		$(DESTDIR)$(SBINDIR)/trexd $(DESTDIR)$(SBINDIR)/trex-sandbox
	rm -rf $(DESTDIR)$(TREX_SHARE)
	for m in $(notdir $(MAN_PAGES)); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$$m; done

# `make deb [DEB_DIR=...] [DEB_JOBS=2]`: the Debian package (debian/, debhelper) of
# this tree, reusing BUILD (debian/rules), collected in DEB_DIR with its
# .buildinfo and .changes rather than in the folder above the checkout.
# Unsigned: signing is the release manager's step. -tc: debian/rules clean
# after the build leaves debian/ as in git (never the build folder).
DEB_DIR ?= $(BUILD)/deb
DEB_JOBS ?= 2
DEB_VERSION = $(shell dpkg-parsechangelog -S Version)
DEB_ARCH = $(shell dpkg-architecture -qDEB_HOST_ARCH)
deb:
	@mkdir -p $(DEB_DIR)
	TREX_BUILD=$(BUILD) TREX_DEB_DIR=$(abspath $(DEB_DIR)) dpkg-buildpackage -b -us -uc -tc -J$(DEB_JOBS) \
		--buildinfo-option=-u$(abspath $(DEB_DIR)) \
		--buildinfo-file=$(abspath $(DEB_DIR))/trex_$(DEB_VERSION)_$(DEB_ARCH).buildinfo \
		--changes-option=-u$(abspath $(DEB_DIR)) \
		--changes-file=$(abspath $(DEB_DIR))/trex_$(DEB_VERSION)_$(DEB_ARCH).changes

FORCE:

# unit tests link every component library (cmocka) and the tests' own
# helpers: every tests/unit/*.c that is not a test_*.c
UNIT_HELPERS := $(patsubst %.c,$(BUILD)/%.o,$(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c)))
$(BUILD)/libtests_unit.a: $(UNIT_HELPERS) $(BUILD)/empty.o
	rm -f $@
	$(AR) rcs $@ $^
$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(BUILD)/libtests_unit.a $(ALL_LIBS) $(BUILD)/libllhttp.a
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $< -Wl,--start-group $(BUILD)/libtests_unit.a $(ALL_LIBS) $(BUILD)/libllhttp.a -Wl,--end-group -lcmocka $(LIBS_ALL)

deps:
	sh scripts/deps.sh

# `make check` and `make demo` each install what they need first (idempotent),
# so on a fresh Debian 12 machine either command works alone.
check: deps
	$(MAKE) test-run

demo: deps
	$(MAKE) demo-run

test-run: $(BINS) $(UNIT_BINS) $(TEST_BINS) $(CHECK_DEPS)
	BUILD=$(BUILD) sh tests/run.sh

# The Slurm executor's tests alone (tests/integration/slurm_*.t): each
# starts a one-node Slurm with scripts/slurm-local.sh and stops it; they
# also run in `make check`, and skip with the reason when Slurm cannot
# start. TREX_SLURM_REQUIRED=1 turns that skip into a failure.
check-slurm: $(BINS) $(CHECK_DEPS)
	sh scripts/slurm-local.sh install
	TREX_ONLY=slurm_ TREX_SLURM_REQUIRED=1 BUILD=$(BUILD) sh tests/run.sh

demo-run: $(BINS)
	BUILD=$(BUILD) sh scripts/demo.sh

sanitize:
	$(MAKE) SAN=1 check

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
