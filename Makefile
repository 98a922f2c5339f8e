# mailconf: one GNU Makefile; every variant builds into its own directory.

PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
VERSION  := 0.1.0
# Dev builds read templates/ and presets/ from this tree; `make install`
# rebuilds with the installed location.
DATADIR  ?= $(CURDIR)

CC       ?= cc
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(EXTRA_CFLAGS)
ALL_CPPFLAGS = -D_POSIX_C_SOURCE=200809L -DDATADIR='"$(DATADIR)"' \
            -DVERSION='"$(VERSION)"' $(shell pkg-config --cflags libxml-2.0 libcrypto 2>/dev/null) \
            $(CPPFLAGS)
# Debian 12 ships no iniparser.pc.
LDLIBS   := -liniparser $(shell pkg-config --libs libxml-2.0 libcrypto 2>/dev/null)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all

SRCS     := $(wildcard generator/*.c)
LIBSRCS  := $(filter-out generator/main.c,$(SRCS))
OBJS     := $(SRCS:generator/%.c=$(BUILD)/obj/%.o)
LIBOBJS  := $(LIBSRCS:generator/%.c=$(BUILD)/obj/%.o)
UNITSRCS := $(wildcard tests/unit/test_*.c)
UNITBINS := $(UNITSRCS:tests/unit/%.c=$(BUILD)/unit/%)

# Packages: what building needs, and what the tests add (real consumers).
BUILD_DEPS := build-essential pkg-config libxml2-dev libiniparser-dev libssl-dev
TEST_DEPS  := libcmocka-dev libxml2-utils clang clang-format python3 \
              thunderbird fetchmail isync msmtp dovecot-imapd dovecot-pop3d \
              python3-aiosmtpd openssl cmark-gfm time nginx-light python3-jinja2 \
              bind9-utils curl libclang-rt-14-dev apache2 cppcheck npm \
              debhelper lintian dpkg-dev fakeroot man-db

.PHONY: all run check test asan unit golden errors schema integration import fuzz \
        provision hostile site safety diagnostics check-mode bench \
        consumers e2e apple outlook checklist \
        thunderbird deps test-deps install uninstall format format-check \
        lint werror analyse unit-bins clean deb FORCE

all: $(BUILD)/mailconf

$(BUILD)/mailconf: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(BUILD)/obj/%.o: generator/%.c generator/*.h $(BUILD)/obj/datadir | $(BUILD)/obj
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c tests/unit/*.h $(LIBOBJS) | $(BUILD)/unit
	$(CC) $(ALL_CPPFLAGS) -Igenerator $(ALL_CFLAGS) -o $@ $< $(LIBOBJS) \
	    $(LDLIBS) -lcmocka

$(BUILD)/obj $(BUILD)/unit:
	mkdir -p $@

# The data directory is compiled in: the objects are rebuilt when it
# changes (make install PREFIX=... after a build for another prefix).
$(BUILD)/obj/datadir: FORCE | $(BUILD)/obj
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' >$@

FORCE:

# Installs the Debian packages a target needs, when some are missing
# (root, or sudo, is needed only then).
deps:
	@tests/install-deps.sh $(BUILD_DEPS)

test-deps:
	@tests/install-deps.sh $(BUILD_DEPS) $(TEST_DEPS)

# The main job: the default preset, every target, into ./out.
# With EMAIL=you@gmail.com the per-person files are written too.
run: deps
	$(MAKE) all
	$(BUILD)/mailconf generate --preset gmail --out out \
	    $(if $(EMAIL),--email $(EMAIL))

# Every test, then the same suite under ASan + UBSan.
check: test-deps
	$(MAKE) format-check lint
	$(MAKE) test
	$(MAKE) asan
	$(MAKE) fuzz FUZZ_TIME=$(CHECK_FUZZ_TIME)

test: all unit golden errors schema integration thunderbird import consumers e2e \
      apple outlook checklist provision hostile site safety diagnostics check-mode deb

unit: $(UNITBINS)
	@tests/run-unit.sh $(UNITBINS)

golden: all
	@tests/run-golden.sh $(BUILD)/mailconf

errors: all
	@tests/run-errors.sh $(BUILD)/mailconf

# --diagnostics=json|sarif|github, read back; the SARIF log through
# Microsoft's validator (npm).
diagnostics: all
	@tests/run-diagnostics.sh $(BUILD)/mailconf

schema: all
	@tests/run-schema.sh $(BUILD)/mailconf

integration: all
	@tests/run-integration.sh $(BUILD)/mailconf

thunderbird: all
	@tests/run-thunderbird.sh $(BUILD)/mailconf

apple: all
	@tests/run-apple.sh $(BUILD)/mailconf

outlook: all
	@tests/run-outlook.sh $(BUILD)/mailconf

# The checklist pages: XML and HTML parsers, no external asset, every
# server, cmark-gfm reads the Markdown tables, values escaped, Japanese.
checklist: all
	@tests/run-checklist.sh $(BUILD)/mailconf

# fetchmail, msmtp and mbsync read the rc goldens back as written.
consumers: all
	@tests/run-consumers.sh $(BUILD)/mailconf

# Real Dovecot + SMTP on loopback: mbsync, fetchmail and msmtp with the
# generated files move mail over TLS.
e2e: all
	@tests/e2e/run.sh $(BUILD)/mailconf

import: all
	@tests/run-import.sh $(BUILD)/mailconf

provision: all
	@tests/run-provision.sh $(BUILD)/mailconf

# --check and --dry-run of install, generate (--users too) and site: the
# exact lists and diffs, and the tree left as it was, inode and mtime.
check-mode: all
	@tests/run-check.sh $(BUILD)/mailconf

# mailconf site: real nginx serves both layouts to curl and to a real
# Thunderbird (its HTTP proxy); incremental runs, strangers' files, the
# lock, DNS records, and SIGKILL at random points (tests/run-site.sh).
site: all
	@tests/run-site.sh $(BUILD)/mailconf

# The Debian package, built from a copy of the tree into build/deb,
# through lintian, unpacked and (as root) installed and run from /.
deb: all
	@tests/run-deb.sh $(BUILD)/mailconf

# Not part of check: 100,000 domains and 10,000 users against the cp -r
# floor and Jinja2 (tests/bench/run.sh); fails when a target is missed.
bench: all
	@tests/bench/run.sh $(BUILD)/mailconf

# The output layer under attack, as root: planted links, a swapped link, a
# real second user's home, FIFOs and devices as outputs, a full disk, a
# read-only mount, no-op, concurrent and signalled runs (tests/run-safety.sh).
safety: all
	@tests/run-safety.sh $(BUILD)/mailconf

# Hostile input (tests/hostile/): exact diagnostics and read-back by the
# real consumers; nothing crashes, runs, or is written outside --out.
hostile: all
	@tests/run-hostile.sh $(BUILD)/mailconf

# Sanitizers over the whole suite but Thunderbird (which runs no code of
# ours), so a leak or UB anywhere fails the build.
asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 NO_THUNDERBIRD=1 \
	$(MAKE) BUILD=build/asan CC=clang CFLAGS="-O1 -g $(SAN)" \
	    LDFLAGS="$(SAN)" all unit golden errors schema integration import consumers \
	    apple outlook checklist provision hostile site safety check-mode

# libFuzzer harnesses (tests/fuzz/): each runs FUZZ_TIME seconds.
FUZZ_TIME ?= 60
# make check runs each harness briefly, from its corpus and regressions.
CHECK_FUZZ_TIME ?= 20
FUZZERS   := spec template import escape csv
FUZZ_SAN  := -fsanitize=fuzzer-no-link,address,undefined \
             -fno-sanitize-recover=all -fno-omit-frame-pointer

fuzz:
	$(MAKE) BUILD=build/fuzz CC=clang CFLAGS="-O1 -g $(FUZZ_SAN)" \
	    $(FUZZERS:%=build/fuzz/fuzz_%)
	@tests/run-fuzz.sh build/fuzz $(FUZZ_TIME) $(FUZZERS)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.c tests/fuzz/fuzz.h \
    $(LIBOBJS)
	$(CC) $(ALL_CPPFLAGS) -Igenerator -Itests/fuzz $(ALL_CFLAGS) \
	    -fsanitize=fuzzer,address,undefined -o $@ $< \
	    tests/fuzz/fuzz_common.c $(LIBOBJS) $(LDLIBS)

install:
	$(MAKE) BUILD=build/install DATADIR=$(PREFIX)/share/mailconf all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/mailconf/templates \
	    $(DESTDIR)$(PREFIX)/share/mailconf/presets $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/doc/mailconf
	install -m 0755 build/install/mailconf $(DESTDIR)$(PREFIX)/bin/mailconf
	install -m 0644 templates/*.mustache $(DESTDIR)$(PREFIX)/share/mailconf/templates/
	install -m 0644 presets/*.ini $(DESTDIR)$(PREFIX)/share/mailconf/presets/
	install -m 0644 mailconf.1 $(DESTDIR)$(PREFIX)/share/man/man1/mailconf.1
	install -m 0644 docs/spec.md $(DESTDIR)$(PREFIX)/share/doc/mailconf/spec.md

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/mailconf $(DESTDIR)$(PREFIX)/share/man/man1/mailconf.1
	rm -rf $(DESTDIR)$(PREFIX)/share/mailconf
	rm -f $(DESTDIR)$(PREFIX)/share/doc/mailconf/spec.md
	-rmdir $(DESTDIR)$(PREFIX)/share/doc/mailconf

format:
	clang-format -i generator/*.[ch] $(wildcard tests/unit/*.[ch] tests/fuzz/*.[ch])

format-check:
	clang-format --dry-run -Werror generator/*.[ch] $(wildcard tests/unit/*.[ch] tests/fuzz/*.[ch])

# The seams: one library per file that needs it; every target rendered by
# a golden case and read back by its consumer (check-targets); gcc and clang with
# warnings as errors; cppcheck with no finding (a false one is suppressed
# inline, with the reason).
lint: all werror analyse
	tests/check-seams.sh
	tests/check-targets.sh $(BUILD)/mailconf

unit-bins: $(UNITBINS)

werror:
	$(MAKE) -s BUILD=build/gcc CC=gcc EXTRA_CFLAGS=-Werror all unit-bins
	$(MAKE) -s BUILD=build/clang CC=clang EXTRA_CFLAGS=-Werror all unit-bins

CPPCHECK_FLAGS := --quiet --enable=warning,style,performance,portability \
	--error-exitcode=1 --std=c11 --inline-suppr -D_POSIX_C_SOURCE=200809L \
	-DDATADIR='"."' -DVERSION='"$(VERSION)"' --suppress=missingIncludeSystem

analyse:
	cppcheck $(CPPCHECK_FLAGS) -I generator generator/

clean:
	rm -rf build out
