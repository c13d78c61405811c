#!/usr/bin/env bash
# test/setup.sh: makes a Debian 12 machine ready to build, install and test mlops.
#
# Installs the Debian packages that are missing (and says which), then builds the extension
# and installs it into PostgreSQL 15.  Run it as root, or as a user who may use sudo.
# `make demo` and `make test` run it first; running it again installs nothing new.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"

say() { echo "setup: $*"; }
die() {
	echo "setup: ERROR: $*" >&2
	exit 1
}

# Packages the build, the tests and the demo need.
packages=(
	build-essential        # gcc, make
	postgresql-15          # the server, pg_ctl, initdb, pgbench
	postgresql-client-15   # psql, pg_dump
	postgresql-server-dev-15 # pg_config, PGXS, pg_regress, pg_isolation_regress
	postgresql-15-cron     # pg_cron, for scheduled retraining
	liblapacke-dev         # LAPACK (and its C interface) that the extension links to
	libopenblas0-serial    # optimised single-threaded BLAS and LAPACK, chosen through
	                       # Debian's alternatives for libblas.so.3 and liblapack.so.3
	python3                # /usr/bin/python3 runs the Python tests
	python3-statsmodels    # reference statistics (OLS, WLS, robust covariances) for the tests
	python3-sklearn        # reference ridge regression and the diabetes data set for the tests
)

as_root=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 ||
		die "not running as root and sudo is not installed: run this script as root"
	as_root=(sudo)
fi

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 ||
	die "this script needs Debian's dpkg and apt-get (it is written for Debian 12); install by hand: ${packages[*]}"

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
	say "installing missing packages: ${missing[*]}"
	if [ -r /etc/os-release ]; then
		# shellcheck disable=SC1091
		. /etc/os-release
		[ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ] ||
			say "warning: written for Debian 12, this is ${PRETTY_NAME:-unknown}; trying anyway"
	fi
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
		die "apt-get update failed (see above): cannot install ${missing[*]}"
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null ||
		die "apt-get install failed (see above): could not install ${missing[*]}"
	for p in "${missing[@]}"; do
		installed "$p" || die "package $p is still not installed after apt-get install"
	done
	say "installed: ${missing[*]}"
else
	say "all required packages are installed (${packages[*]})"
fi

# What the scripts use from those packages, checked directly.
pgxs_dir=$("$PG_CONFIG" --pgxs 2>/dev/null) || die "$PG_CONFIG does not run: is postgresql-server-dev-15 installed?"
pgxs_dir=$(dirname "$(dirname "$pgxs_dir")")
bindir=$("$PG_CONFIG" --bindir)
pkglibdir=$("$PG_CONFIG" --pkglibdir)
sharedir=$("$PG_CONFIG" --sharedir)
for f in "$bindir/initdb" "$bindir/pg_ctl" "$bindir/psql" "$bindir/pgbench" \
	"$pgxs_dir/test/regress/pg_regress" "$pgxs_dir/test/isolation/pg_isolation_regress" \
	"$pkglibdir/pg_cron.so" /usr/include/lapacke.h /usr/bin/python3; do
	[ -e "$f" ] || die "$f is missing although its package is installed"
done
id postgres >/dev/null 2>&1 || die "the OS user \"postgres\" does not exist (the postgresql-15 package creates it)"

# Build and install the extension.  Settings of an outer make (make test -j2, KEEP=1) are not
# passed on: this is a plain build with the server's pg_config.
unset MAKEFLAGS MFLAGS MAKELEVEL
jobs=$(nproc 2>/dev/null || echo 2)
say "building mlops (make PG_CONFIG=$PG_CONFIG)"
make -j"$jobs" PG_CONFIG="$PG_CONFIG" || die "the build failed (see the compiler messages above)"
say "installing mlops into $pkglibdir and $sharedir/extension"
"${as_root[@]}" make install PG_CONFIG="$PG_CONFIG" >/dev/null || die "make install failed"
[ -f "$sharedir/extension/mlops.control" ] || die "make install did not install $sharedir/extension/mlops.control"
say "ready"
