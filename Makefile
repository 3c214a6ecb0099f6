# hybridmusic: PGXS build of the PostgreSQL extension, plus the project's
# two entry points, `make demo` and `make test`.

EXTENSION = hybridmusic
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" hybridmusic.control)

MODULE_big = hybridmusic
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The install script is assembled from one file per subsystem, in name order.
SCHEMA_PARTS = $(sort $(wildcard sql/schema/*.sql))
# The upgrade script from the previous release is assembled the same way from
# sql/upgrade/<from>--<to>/, one part per subsystem that changed.
PREVIOUS_VERSION = 0.1
# Both end with sql/schema/990_definers.sql, which gives every function and
# table of schema music the same privileges and owner whatever came before.
UPGRADE_PARTS = $(sort $(wildcard sql/upgrade/$(PREVIOUS_VERSION)--$(EXTVERSION)/*.sql)) sql/schema/990_definers.sql
DATA_built = hybridmusic--$(EXTVERSION).sql hybridmusic--$(PREVIOUS_VERSION)--$(EXTVERSION).sql
# Released scripts are kept as they shipped: older install scripts (used by
# the upgrade test) and older upgrade scripts.
DATA = $(wildcard sql/hybridmusic--*.sql)

# The regression tests are the other files in sql/.
REGRESS = $(sort $(filter-out hybridmusic--%,$(basename $(notdir $(wildcard sql/*.sql)))))
REGRESS_OPTS = --temp-instance=./tmp_check --temp-config=test/regress.conf
ISOLATION = $(sort $(basename $(notdir $(wildcard specs/*.spec))))
ISOLATION_OPTS = --temp-instance=./tmp_check_iso --temp-config=test/regress.conf
TAP_TESTS = 1

PG_CPPFLAGS = -I$(srcdir)/src -DHM_EXTVERSION='"$(EXTVERSION)"'
# MODULE_FLAGS: extra compile and link flags for the module, e.g. the
# sanitizers and assertions that scripts/test-sanitizers builds with.
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter $(MODULE_FLAGS)
SHLIB_LINK = -lcurl -ljansson -lsecp256k1 $(MODULE_FLAGS)

EXTRA_CLEAN = tmp_check tmp_check_iso output_iso results regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)

# Servers from the PostgreSQL 15 minor that added a syscache on pg_extension
# let the library cache its check of the installed release (datasafety.c).
ifeq ($(shell grep -qs EXTENSIONOID "$$($(PG_CONFIG) --includedir-server)/utils/syscache.h" && echo yes),yes)
PG_CPPFLAGS += -DHM_HAVE_EXTENSION_SYSCACHE
endif

include $(PGXS)

hybridmusic--$(EXTVERSION).sql: $(SCHEMA_PARTS) hybridmusic.control
	{ printf '%s\n' '-- hybridmusic $(EXTVERSION): generated from sql/schema/*.sql by make; edit those files.' \
	    '\echo Use "CREATE EXTENSION hybridmusic" to load this file. \quit'; \
	  for f in $(SCHEMA_PARTS); do echo; echo "-- $$f"; grep -v '^\\echo' $$f; done; } > $@

hybridmusic--$(PREVIOUS_VERSION)--$(EXTVERSION).sql: $(UPGRADE_PARTS) hybridmusic.control
	{ printf '%s\n' '-- hybridmusic $(PREVIOUS_VERSION) to $(EXTVERSION): generated from sql/upgrade/$(PREVIOUS_VERSION)--$(EXTVERSION)/*.sql by make.' \
	    '\echo Use "ALTER EXTENSION hybridmusic UPDATE TO '"'"'$(EXTVERSION)'"'"'" to load this file. \quit'; \
	  for f in $(UPGRADE_PARTS); do echo; echo "-- $$f"; grep -v '^\\echo' $$f; done; } > $@

# The library checks that its SQL objects are of the release it was built for.
src/datasafety.o src/worker.o: hybridmusic.control

# jansson and the server both export json_object: a call that binds to the
# server's symbol crashes the backend, so refuse to build such a module.
all: check-symbols
.PHONY: check-symbols test-regress test-isolation test-tap test test-dates test-citus demo setup
check-symbols: $(shlib)
	@if nm -u $(shlib) | grep -qw json_object; then \
		echo "error: $(shlib) references json_object (jansson/PostgreSQL clash)"; exit 1; fi

# Each suite on its own, so one failing suite does not hide the others.
test-regress:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)
test-isolation:
	$(if $(ISOLATION),$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION),@echo "no isolation specs")
test-tap:
	$(if $(wildcard t/*.pl),$(prove_installcheck),@echo "no TAP tests")

setup:
	scripts/setup

test:
	scripts/test

# The PostgreSQL suites again at instants on the calendar's edges (faketime).
test-dates:
	scripts/test-dates

# The scale-out suite on Citus built from its source (docs/scaling.md); it
# says that it skipped when the source is not there.
test-citus:
	scripts/test-citus

# DEMO_ARGS: scripts/demo's options, e.g. make demo DEMO_ARGS="--keep --scale large".
demo:
	scripts/demo $(DEMO_ARGS)

# The PostgreSQL suites against the module built with ASan, UBSan and assertions.
.PHONY: test-sanitizers
test-sanitizers: ; scripts/test-sanitizers

# The libFuzzer harnesses of fuzz/ for FUZZ_SECONDS each (make test runs them 20 s each).
FUZZ_SECONDS ?= 600
.PHONY: fuzz
fuzz: ; fuzz/run $(FUZZ_SECONDS)

# The soak test's long run (t/050_soak.pl with 6000 transactions per client;
# several minutes); writes its figures into docs/benchmarks.md.
.PHONY: soak
soak: ; scripts/soak

# The issue-3 benchmark (about 25 minutes; see docs/benchmarks.md); not part of make test.
.PHONY: bench
bench: ; bench/run
# The issue-11 chain benchmark (1,000 creators confirmed on anvil; about a minute).
.PHONY: bench-chain
bench-chain: ; bench/chain
