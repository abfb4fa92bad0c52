# runeval: one plain Makefile.
#
#   make                 build runeval, taskapp and daytona-lite into build/
#   make test            build and run every test suite
#   make SAN=1 test      the same under AddressSanitizer + UBSan (build-san/)
#   make valgrind        the unit suites under valgrind
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

CC ?= cc
PKGS := libcurl libwebsockets jansson libarchive libcrypto
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
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
else
BUILD ?= build
SANFLAGS :=
endif

# A fresh machine has none of the -dev packages: install them first.
DEPS_OK := $(shell pkg-config --exists $(PKGS) $(TEST_PKGS) 2>/dev/null && echo yes)
ifneq ($(DEPS_OK),yes)
ifneq ($(MAKECMDGOALS),clean)
$(info runeval: installing build dependencies (scripts/install-deps.sh))
DEPS_RC := $(shell bash scripts/install-deps.sh >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error scripts/install-deps.sh failed; install the packages it lists and retry)
endif
endif
endif

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))
CHECK_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS))
CHECK_LIBS := $(shell pkg-config --libs $(TEST_PKGS))

OPT ?= -O2
CFLAGS ?= $(OPT) -g
WARN := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	-Wmissing-prototypes -Wstrict-prototypes
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(CFLAGS) $(SANFLAGS) \
	-Iorchestrator -Iproviders -Imodes -Itaskapp \
	-DRUNEVAL_VERSION='"$(VERSION)"' $(PKG_CFLAGS) -MMD -MP
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

# Source sets.  A folder is a module boundary: see README.md "Layout".
CORE_SRC := $(wildcard orchestrator/rv_*.c)
ORCH_SRC := $(filter-out $(CORE_SRC) orchestrator/main.c, \
	$(wildcard orchestrator/*.c)) $(wildcard providers/*.c) \
	$(wildcard modes/*.c)
TASKAPP_SRC := $(filter-out taskapp/main.c, $(wildcard taskapp/*.c))
LITE_SRC := $(filter-out providers/daytona-lite/main.c, \
	$(wildcard providers/daytona-lite/*.c))
TEST_SRC := $(wildcard tests/check_*.c)
TEST_HELPER_SRC := $(filter-out $(TEST_SRC), $(wildcard tests/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBCORE := $(BUILD)/libcore.a
LIBORCH := $(BUILD)/liborch.a
LIBTASKAPP := $(BUILD)/libtaskapp.a
LIBLITE := $(BUILD)/liblite.a
LIBTESTHELP := $(BUILD)/libtesthelp.a
ALL_LIBS := $(LIBORCH) $(LIBTASKAPP) $(LIBLITE) $(LIBCORE)

BINS := $(BUILD)/runeval $(BUILD)/taskapp $(BUILD)/daytona-lite
TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))

all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests -c $< -o $@

define make_lib
$(1): $(call obj,$(2))
	@mkdir -p $$(dir $$@)
	$$(QAR)rm -f $$@ && $$(AR) rcs $$@ $$^
endef
$(eval $(call make_lib,$(LIBCORE),$(CORE_SRC)))
$(eval $(call make_lib,$(LIBORCH),$(ORCH_SRC)))
$(eval $(call make_lib,$(LIBTASKAPP),$(TASKAPP_SRC)))
$(eval $(call make_lib,$(LIBLITE),$(LITE_SRC)))
$(eval $(call make_lib,$(LIBTESTHELP),$(TEST_HELPER_SRC)))

$(BUILD)/runeval: $(call obj,orchestrator/main.c) $(LIBORCH) $(LIBCORE)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/taskapp: $(call obj,taskapp/main.c) $(LIBTASKAPP) $(LIBCORE)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/daytona-lite: $(call obj,providers/daytona-lite/main.c) $(LIBLITE) $(LIBCORE)
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
	$(Q)command -v $(or $(FUZZ_CC),clang) >/dev/null || \
		{ echo "make $@: needs clang (bash scripts/install-deps.sh)" >&2; \
		exit 1; }
	$(Q)$(MAKE) --no-print-directory FUZZ=1 $@
endif

# The task app as a self-contained directory for any x86-64 Linux sandbox.
bundle: $(BUILD)/taskapp-bundle/.stamp
$(BUILD)/taskapp-bundle/.stamp: $(BUILD)/taskapp scripts/make-bundle.sh
	$(Q)bash scripts/make-bundle.sh $(BUILD)/taskapp $(BUILD)/taskapp-bundle
	@touch $@

test: all tests bundle
	$(Q)BUILD=$(BUILD) bash scripts/run-tests.sh $(TESTS)

valgrind: all tests bundle
	$(Q)BUILD=$(BUILD) VALGRIND=1 bash scripts/run-tests.sh $(TESTS)

bench: all bundle
	$(Q)BUILD=$(BUILD) bash scripts/bench/run-all.sh

HEADERS := $(wildcard orchestrator/*.h providers/*.h modes/*.h taskapp/*.h \
	providers/daytona-lite/*.h)
check-headers:
	$(Q)for h in $(HEADERS); do \
		printf '#include "%s"\n' "$$h" | $(CC) $(ALL_CFLAGS) -I. -x c \
			-fsyntax-only -o /dev/null - || exit 1; \
	done; echo "  headers ok ($(words $(HEADERS)))"

install: all bundle
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DOCDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	rm -rf $(DESTDIR)$(LIBEXECDIR)/taskapp-bundle
	cp -a $(BUILD)/taskapp-bundle $(DESTDIR)$(LIBEXECDIR)/taskapp-bundle
	rm -f $(DESTDIR)$(LIBEXECDIR)/taskapp-bundle/.stamp
	install -m 644 README.md $(wildcard docs/*.md) $(DESTDIR)$(DOCDIR)/

clean:
	rm -rf build build-san build-fuzz

.PHONY: all tests test valgrind bench bundle check-headers install clean \
	fuzz fuzz-run
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
