# mlops: PGXS build.  `make demo` and `make test` also install what is missing
# (see test/setup.sh); `make && make install` is the plain build.

EXTENSION = mlops
MODULE_big = mlops
OBJS = \
	src/mlops.o \
	src/linalg.o \
	src/fitstate.o \
	src/olsresult.o \
	src/distributions.o \
	src/predict.o \
	src/encoding.o \
	src/holdout.o \
	src/metrics.o \
	src/ridge.o \
	src/elasticnet.o \
	src/logistic.o \
	src/logisticfit.o \
	src/refine.o \
	src/robust.o \
	src/baseline.o \
	src/drift.o \
	src/vecsum.o

DATA = $(wildcard src/sql/mlops--*.sql)

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))

PG_CPPFLAGS = -I$(srcdir)/src
SHLIB_LINK = -llapacke -llapack -lblas -lm
# -ffp-contract=off: the double-double arithmetic of src/refine.c needs every
# product and sum rounded on its own, never fused.
PG_CFLAGS = -Wall -Wmissing-prototypes -ffp-contract=off

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifeq ($(PGXS),)
# No server development files yet: only the set-up targets below can run.
all install:
	@echo "pg_config not found: run 'make demo' or 'make test', which install what is missing" >&2
	@exit 1
else
include $(PGXS)
endif

.PHONY: demo test bench

# Install what is missing, build, install, and walk the life cycle on a throwaway cluster.
demo:
	bash test/setup.sh
	bash test/demo.sh

# Install what is missing, build, install, then run every test against a fresh cluster.
test:
	bash test/setup.sh
	bash test/run_tests.sh

# Benchmarks (by hand, not in CI): prints ratios against baselines.
bench:
	bash test/setup.sh
	bash test/bench/run.sh
	bash test/bench/monitor.sh
	bash test/bench/elastic_net.sh
	bash test/bench/logistic.sh
