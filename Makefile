# runeval: one plain Makefile.
#
#   make                 build runeval, taskapp, daytona-lite and e2b-lite
#                        into build/
#   make test            build and run every test suite (TEST_JOBS=4 at
#                        a time)
#   make SAN=1 test      the same under AddressSanitizer + UBSan (build-san/)
#   make valgrind        the suites, then runeval's jobs, under valgrind
#   make fuzz            the libFuzzer harnesses (clang) into build-fuzz/fuzz/
#   make fuzz-run        run each for FUZZ_SECONDS (20) under ASan+UBSan
#   make bench           the benchmarks under scripts/bench/
#   make check-headers   compile every header on its own
#   make install         PREFIX=/usr/local DESTDIR= honoured
#   make V=1             show the full commands

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/runeval
DOCDIR ?= $(PREFIX)/share/doc/runeval
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions

CC ?= cc
PKGS := libcurl libwebsockets jansson libarchive libcrypto yaml-0.1 zlib
TEST_PKGS := check

ifeq ($(FUZZ),1)
# the harnesses under tests/fuzz/ (make fuzz): clang, libFuzzer, sanitizers
BUILD ?= build-fuzz
FUZZ_CC ?= clang
CC := $(FUZZ_CC)
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(SAN),1)
BUILD ?= build-san
# float-cast-overflow: not in gcc's "undefined"; a double cast to an
# integer it does not fit is undefined (report times past 2554 were)
SANFLAGS := -fsanitize=address,undefined,float-cast-overflow \
	-fno-omit-frame-pointer -fno-sanitize-recover=undefined,float-cast-overflow
else
BUILD ?= build
SANFLAGS :=
endif

# A fresh machine has none of the -dev packages.  make never installs
# anything itself: it stops and says the one command that does.
DEPS_OK := $(shell pkg-config --exists $(PKGS) 2>/dev/null && echo yes)
NO_DEPS_GOALS := clean help
ifneq ($(DEPS_OK),yes)
ifneq ($(filter-out $(NO_DEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
$(error missing build dependencies ($(strip $(shell for p in $(PKGS); do \
	pkg-config --exists $$p 2>/dev/null || printf '%s ' $$p; done))); \
	install them with:  sudo bash scripts/install-deps.sh)
endif
endif
TEST_GOALS := test tests valgrind
ifneq ($(filter $(TEST_GOALS),$(MAKECMDGOALS)),)
ifneq ($(shell pkg-config --exists $(TEST_PKGS) 2>/dev/null && echo yes),yes)
$(error missing test dependencies ($(TEST_PKGS)); install them with:  \
	sudo bash scripts/install-deps.sh --test)
endif
endif

# The release (semantic version, from VERSION) and the commit built.
VERSION := $(shell cat VERSION)
GIT_HASH := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))
CHECK_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS))
CHECK_LIBS := $(shell pkg-config --libs $(TEST_PKGS))

OPT ?= -O2
CFLAGS ?= $(OPT) -g
WARN := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	-Wmissing-prototypes -Wstrict-prototypes
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(CFLAGS) $(SANFLAGS) \
	-DRUNEVAL_VERSION='"$(VERSION)"' -DRUNEVAL_GIT='"$(GIT_HASH)"' \
	$(PKG_CFLAGS) -MMD -MP
# --as-needed: each program records only the libraries it calls, so that
# runeval (which loads libarchive and libwebsockets when a sandbox mode
# needs them, see orchestrator/rv_dl.h) starts without them.
ALL_LDFLAGS := -pthread -Wl,--as-needed $(SANFLAGS) $(LDFLAGS)
LIBS := $(PKG_LIBS) -lm

ifneq ($(V),1)
Q := @
QCC = @printf '  CC      %s\n' $<;
QLD = @printf '  LD      %s\n' $@;
QAR = @printf '  AR      %s\n' $@;
endif

# Source sets.  A folder is a module boundary (README.md "Layout"): each
# set compiles with only the include paths of what it may use, so that a
# file that reaches across a boundary does not build.
CORE_SRC := $(wildcard orchestrator/core/*.c)
REPORT_SRC := $(wildcard orchestrator/report/*.c)
RUNNER_SRC := $(filter-out orchestrator/main.c, $(wildcard orchestrator/*.c))
PROVIDER_SRC := $(wildcard providers/*.c)
# The sandbox back-ends runeval links: one folder each (README "Adding a
# provider").  Each sees only the core, provider.h/remote.h and itself.
BACKENDS := process daytona docker e2b bwrap
BACKEND_SRC := $(foreach b,$(BACKENDS),$(wildcard providers/$(b)/*.c))
LITEBASE_SRC := $(wildcard providers/lite/*.c)
LITEDAEMON_SRC := $(wildcard providers/lite/daemon/*.c)
CONTROL_SRC := $(wildcard providers/daytona-lite/control/*.c)
TOOLBOX_SRC := $(wildcard providers/daytona-lite/toolbox/*.c)
E2BCONTROL_SRC := $(wildcard providers/e2b-lite/control/*.c)
ENVD_SRC := $(wildcard providers/e2b-lite/envd/*.c)
MODES_SRC := $(wildcard modes/*.c)
ORCH_SRC := $(RUNNER_SRC) $(REPORT_SRC) $(PROVIDER_SRC) $(BACKEND_SRC) \
	$(MODES_SRC)
TASKAPP_SRC := $(filter-out taskapp/main.c, $(wildcard taskapp/*.c))
LITE_SRC := $(CONTROL_SRC) $(TOOLBOX_SRC)
E2BLITE_SRC := $(E2BCONTROL_SRC) $(ENVD_SRC)
TEST_SRC := $(wildcard tests/check_*.c)
TEST_HELPER_SRC := $(filter-out $(TEST_SRC), $(wildcard tests/*.c))

# What each folder may include.
INC_CORE := -Iorchestrator/core
INC_REPORT := $(INC_CORE) -Iorchestrator/report
INC_PROVIDER := $(INC_CORE) -Iproviders
INC_MODES := $(INC_PROVIDER) -Imodes
INC_RUNNER := $(INC_REPORT) $(INC_MODES) -Iorchestrator
INC_LITEBASE := $(INC_CORE) -Iproviders/lite
INC_LITEDAEMON := $(INC_LITEBASE) -Iproviders/lite/daemon
# bwrap: host processes (process_run.h) entered into the engine's sandboxes
INC_BWRAP := $(INC_PROVIDER) -Iproviders/process -Iproviders/lite
INC_CONTROL := $(INC_LITEBASE) -Iproviders/daytona-lite/control
INC_TOOLBOX := $(INC_LITEDAEMON) -Iproviders/daytona-lite/toolbox
INC_LITEMAIN := $(INC_CONTROL) -Iproviders/lite/daemon \
	-Iproviders/daytona-lite/toolbox
INC_E2BCONTROL := $(INC_LITEBASE) -Iproviders/e2b-lite/control
INC_ENVD := $(INC_LITEDAEMON) -Iproviders/e2b-lite/envd
INC_E2BMAIN := $(INC_E2BCONTROL) -Iproviders/e2b-lite/envd
INC_TASKAPP := $(INC_CORE) -Itaskapp
INC_ALL := $(INC_RUNNER) $(BACKENDS:%=-Iproviders/%) \
	-Iproviders/lite -Iproviders/lite/daemon \
	-Iproviders/daytona-lite/control -Iproviders/daytona-lite/toolbox \
	-Iproviders/e2b-lite/control -Iproviders/e2b-lite/envd -Itaskapp \
	-Itests

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

$(call obj,$(CORE_SRC)): INC := $(INC_CORE)
$(call obj,$(REPORT_SRC)): INC := $(INC_REPORT)
$(call obj,$(RUNNER_SRC) orchestrator/main.c): INC := $(INC_RUNNER)
# the registry (provider.c) is the one place that names every back-end
$(call obj,$(PROVIDER_SRC)): INC := $(INC_PROVIDER) $(BACKENDS:%=-Iproviders/%)
$(foreach b,$(BACKENDS),$(eval $(call obj,$(wildcard providers/$(b)/*.c)): \
	INC := $(INC_PROVIDER) -Iproviders/$(b)))
$(call obj,$(wildcard providers/bwrap/*.c)): INC := $(INC_BWRAP) \
	-Iproviders/bwrap
$(call obj,$(MODES_SRC)): INC := $(INC_MODES)
$(call obj,$(LITEBASE_SRC)): INC := $(INC_LITEBASE)
$(call obj,$(LITEDAEMON_SRC)): INC := $(INC_LITEDAEMON)
$(call obj,$(CONTROL_SRC)): INC := $(INC_CONTROL)
$(call obj,$(TOOLBOX_SRC)): INC := $(INC_TOOLBOX)
$(call obj,providers/daytona-lite/main.c): INC := $(INC_LITEMAIN)
$(call obj,$(E2BCONTROL_SRC)): INC := $(INC_E2BCONTROL)
$(call obj,$(ENVD_SRC)): INC := $(INC_ENVD)
$(call obj,providers/e2b-lite/main.c): INC := $(INC_E2BMAIN)
$(call obj,$(TASKAPP_SRC) taskapp/main.c): INC := $(INC_TASKAPP)
$(call obj,$(TEST_SRC) $(TEST_HELPER_SRC)): INC := $(INC_ALL)

LIBCORE := $(BUILD)/libcore.a
LIBORCH := $(BUILD)/liborch.a
LIBTASKAPP := $(BUILD)/libtaskapp.a
LIBLITEBASE := $(BUILD)/liblitebase.a
LIBLITE := $(BUILD)/liblite.a
LIBE2BLITE := $(BUILD)/libe2blite.a
LIBTESTHELP := $(BUILD)/libtesthelp.a
ALL_LIBS := $(LIBORCH) $(LIBTASKAPP) $(LIBLITE) $(LIBE2BLITE) $(LIBLITEBASE) \
	$(LIBCORE)

BINS := $(BUILD)/runeval $(BUILD)/taskapp $(BUILD)/daytona-lite \
	$(BUILD)/e2b-lite
TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))

MAN_PAGES := $(patsubst docs/man/%.1.in,$(BUILD)/man/%.1,\
	$(wildcard docs/man/*.1.in))

# everything the documented commands use: the sandbox bundle, the manuals
all: $(BINS) bundle man

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(ALL_CFLAGS) $(INC) -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(ALL_CFLAGS) $(INC) $(CHECK_CFLAGS) -c $< -o $@

define make_lib
$(1): $(call obj,$(2))
	@mkdir -p $$(dir $$@)
	$$(QAR)rm -f $$@ && $$(AR) rcs $$@ $$^
endef
$(eval $(call make_lib,$(LIBCORE),$(CORE_SRC)))
$(eval $(call make_lib,$(LIBORCH),$(ORCH_SRC)))
$(eval $(call make_lib,$(LIBTASKAPP),$(TASKAPP_SRC)))
$(eval $(call make_lib,$(LIBLITEBASE),$(LITEBASE_SRC) $(LITEDAEMON_SRC)))
$(eval $(call make_lib,$(LIBLITE),$(LITE_SRC)))
$(eval $(call make_lib,$(LIBE2BLITE),$(E2BLITE_SRC)))
$(eval $(call make_lib,$(LIBTESTHELP),$(TEST_HELPER_SRC)))

# bwrap runs the sandbox engine (liblitebase: providers/lite) itself
$(BUILD)/runeval: $(call obj,orchestrator/main.c) $(LIBORCH) $(LIBLITEBASE) \
		$(LIBCORE)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/taskapp: $(call obj,taskapp/main.c) $(LIBTASKAPP) $(LIBCORE)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/daytona-lite: $(call obj,providers/daytona-lite/main.c) $(LIBLITE) \
		$(LIBLITEBASE) $(LIBCORE)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/e2b-lite: $(call obj,providers/e2b-lite/main.c) $(LIBE2BLITE) \
		$(LIBLITEBASE) $(LIBCORE)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIBTESTHELP) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $< -Wl,--start-group $(LIBTESTHELP) \
		$(ALL_LIBS) -Wl,--end-group $(LIBS) $(CHECK_LIBS)

tests: $(TESTS)

# libFuzzer harnesses, one per parser of foreign input (tests/fuzz/).
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 20
$(call obj,$(FUZZ_SRC)): INC := $(INC_ALL)

$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< \
		-Wl,--start-group $(ALL_LIBS) -Wl,--end-group $(LIBS)

ifeq ($(FUZZ),1)
fuzz: $(FUZZERS)
fuzz-run: $(FUZZERS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz-run.sh $(FUZZERS)
else
fuzz fuzz-run:
	$(Q)printf 'int LLVMFuzzerTestOneInput(const char *d, long n);\n%s\n' \
		'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' | \
		$(or $(FUZZ_CC),clang) -fsanitize=fuzzer -x c - -o /dev/null \
		2>/dev/null || { echo "make $@: needs clang and its libFuzzer \
runtime; install them with:  sudo bash scripts/install-deps.sh --test" >&2; \
		exit 1; }
	$(Q)$(MAKE) --no-print-directory FUZZ=1 $@
endif

# The task app as a self-contained directory for any x86-64 Linux sandbox.
bundle: $(BUILD)/taskapp-bundle/.stamp
$(BUILD)/taskapp-bundle/.stamp: $(BUILD)/taskapp scripts/make-bundle.sh
	$(Q)bash scripts/make-bundle.sh $(BUILD)/taskapp $(BUILD)/taskapp-bundle
	@touch $@

# The manuals, with the option lists the programs themselves print.
man: $(MAN_PAGES)
$(BUILD)/man/%.1: docs/man/%.1.in scripts/make-man.sh $(BINS) VERSION
	$(Q)bash scripts/make-man.sh $(BUILD) $< $@

# TEST_JOBS suites at a time: most of a suite's time is spent waiting on
# the servers and sandboxes it starts, not on the CPU.
TEST_JOBS ?= 4
test: all tests bundle
	$(Q)BUILD=$(BUILD) TEST_JOBS=$(TEST_JOBS) bash scripts/run-tests.sh $(TESTS)

# The suites under valgrind, then runeval's own jobs and the offline
# servers under it (a suite runs build/runeval natively: valgrind follows
# no exec).
valgrind: all tests bundle
	$(Q)BUILD=$(BUILD) TEST_JOBS=$(TEST_JOBS) VALGRIND=1 \
		bash scripts/run-tests.sh $(TESTS)
	$(Q)BUILD=$(BUILD) bash scripts/valgrind-jobs.sh

bench: all bundle
	$(Q)BUILD=$(BUILD) bash scripts/bench/run-all.sh

# Every header compiles on its own, with only its folder's include paths;
# and a header across a boundary does not (LAYER_FORBIDDEN: folder set,
# then a header it must not reach).
LAYER_FORBIDDEN := INC_PROVIDER:job.h INC_PROVIDER:mode.h \
	INC_PROVIDER:report.h INC_MODES:job.h INC_MODES:cli.h \
	INC_CORE:provider.h INC_CORE:job.h INC_REPORT:job.h \
	INC_REPORT:provider.h INC_TASKAPP:provider.h INC_TASKAPP:job.h \
	INC_LITEBASE:provider.h INC_CONTROL:job.h INC_TOOLBOX:lite_api.h \
	INC_CONTROL:toolbox_http.h INC_LITEBASE:toolbox_srv.h \
	INC_E2BCONTROL:toolbox_http.h INC_E2BCONTROL:lite_api.h \
	INC_CONTROL:e2b_lite.h INC_ENVD:e2b_lite.h INC_TOOLBOX:envd.h \
	INC_ENVD:toolbox.h
HEADER_SETS := orchestrator/core:INC_CORE orchestrator/report:INC_REPORT \
	orchestrator:INC_RUNNER providers:INC_PROVIDER \
	$(filter-out providers/bwrap:%,$(BACKENDS:%=providers/%:INC_PROVIDER)) \
	providers/bwrap:INC_BWRAP \
	modes:INC_MODES providers/lite:INC_LITEBASE \
	providers/lite/daemon:INC_LITEDAEMON \
	providers/daytona-lite/control:INC_CONTROL \
	providers/daytona-lite/toolbox:INC_TOOLBOX \
	providers/e2b-lite/control:INC_E2BCONTROL \
	providers/e2b-lite/envd:INC_ENVD taskapp:INC_TASKAPP
check-headers:
	$(Q)n=0; $(foreach s,$(HEADER_SETS),\
		for h in $(word 1,$(subst :, ,$(s)))/*.h; do \
		printf '#include "%s"\n' "$${h##*/}" | $(CC) $(ALL_CFLAGS) \
			$($(word 2,$(subst :, ,$(s)))) \
			-I$(word 1,$(subst :, ,$(s))) -x c -fsyntax-only \
			-o /dev/null - || exit 1; n=$$((n + 1)); done;) \
	$(foreach p,$(LAYER_FORBIDDEN),\
		if printf '#include "%s"\n' $(word 2,$(subst :, ,$(p))) | \
			$(CC) $(ALL_CFLAGS) $($(word 1,$(subst :, ,$(p)))) -x c \
			-fsyntax-only -o /dev/null - 2>/dev/null; then \
			echo "layering: $(word 1,$(subst :, ,$(p))) reaches \
$(word 2,$(subst :, ,$(p)))" >&2; exit 1; fi;) \
	echo "  headers ok ($$n), layering ok ($(words $(LAYER_FORBIDDEN)) \
boundaries)"

install: all bundle
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DOCDIR)
	install -m 755 $(BUILD)/runeval $(BUILD)/daytona-lite $(BUILD)/e2b-lite \
		$(DESTDIR)$(BINDIR)/
	install -m 755 $(BUILD)/taskapp $(DESTDIR)$(BINDIR)/runeval-taskapp
	rm -rf $(DESTDIR)$(LIBEXECDIR)/taskapp-bundle
	cp -a $(BUILD)/taskapp-bundle $(DESTDIR)$(LIBEXECDIR)/taskapp-bundle
	rm -f $(DESTDIR)$(LIBEXECDIR)/taskapp-bundle/.stamp
	install -m 644 README.md $(wildcard docs/*.md) $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(COMPLETIONDIR)
	install -m 644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 scripts/completion/runeval.bash \
		$(DESTDIR)$(COMPLETIONDIR)/runeval

clean:
	rm -rf build build-san build-fuzz

.PHONY: all tests test valgrind bench bundle man check-headers install clean \
	fuzz fuzz-run
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
