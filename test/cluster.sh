# test/cluster.sh: throwaway PostgreSQL 15 clusters for tests and the demo.
#
# Source it, then:
#   mlops_cluster_start [setting ...]   initdb + start a private cluster; extra arguments are
#                                       postgresql.conf lines, e.g. "work_mem = '64MB'"
#   mlops_cluster_stop                  stop it and remove its directory (also run on exit)
#   mlops_cluster_restart               restart it (after changing its configuration)
#   mlops_cluster_as_server CMD ...     run CMD as the user that owns the server
#   mlops_cluster_connect_hint          print how to connect to it and how to stop it
#
# After mlops_cluster_start, clients find the cluster through the exported variables
# PGHOST (the socket directory), PGPORT, PGUSER=postgres and PGDATABASE=postgres; PGDATA,
# MLOPS_CLUSTER_DIR and PG_BINDIR are exported too, and PG_BINDIR is put first in PATH.
#
# The cluster listens only on a Unix socket inside its own mktemp -d directory (no TCP, no
# /var/run/postgresql), loads pg_cron (cron.database_name = 'postgres') and trusts local
# connections.  As root, the server runs as the OS user "postgres" (initdb refuses root);
# as anyone else it runs as that user.  It reads only the installed extension files, so the
# repository may live in a directory that the postgres user cannot read.
#
# Set MLOPS_CLUSTER_KEEP=1 before mlops_cluster_start to leave the cluster running on exit.

PG_BINDIR="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
MLOPS_CLUSTER_DIR=""

_mlops_cluster_die() {
	echo "cluster: $*" >&2
	return 1
}

# Runs a command as the server's OS user, from a directory that user can enter (PostgreSQL's
# programs look up their own path and fail when the current directory is unreadable).
mlops_cluster_as_server() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "${MLOPS_CLUSTER_DIR:-/}" && runuser -u postgres -- "$@")
	else
		(cd "${MLOPS_CLUSTER_DIR:-/}" && "$@")
	fi
}

# A TCP port nobody listens on.  The server opens no TCP socket, but the port also names its
# Unix socket and shared memory key, and a free one keeps a later listen_addresses change safe.
_mlops_free_port() {
	if [ -x /usr/bin/python3 ]; then
		/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' && return 0
	fi
	local port hex
	for _ in $(seq 1 100); do
		port=$((20000 + RANDOM % 40000))
		hex=$(printf ':%04X ' "$port")
		if ! grep -q "$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	echo 54329
}

# A new empty directory that the server's user can use, with a short path (socket paths are
# limited to about 100 bytes).
_mlops_cluster_mkdir() {
	local base dir
	for base in "${TMPDIR:-/tmp}" /tmp; do
		dir=$(mktemp -d "$base/mlops-pg.XXXXXX" 2>/dev/null) || continue
		if [ "${#dir}" -gt 60 ]; then
			rmdir "$dir"
			continue
		fi
		if [ "$(id -u)" -eq 0 ]; then
			chown postgres:postgres "$dir" || { rmdir "$dir"; continue; }
			if ! runuser -u postgres -- test -w "$dir" 2>/dev/null; then
				rmdir "$dir"
				continue
			fi
		fi
		echo "$dir"
		return 0
	done
	_mlops_cluster_die "could not create a temporary directory usable by the server (tried ${TMPDIR:-/tmp} and /tmp)"
}

mlops_cluster_start() {
	local bin="$PG_BINDIR" dir port line

	if [ -n "$MLOPS_CLUSTER_DIR" ]; then
		_mlops_cluster_die "a cluster is already running in $MLOPS_CLUSTER_DIR"
		return 1
	fi
	[ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] ||
		{ _mlops_cluster_die "PostgreSQL 15 server programs not found in $bin; run: bash test/setup.sh"; return 1; }
	[ -f /usr/lib/postgresql/15/lib/pg_cron.so ] ||
		{ _mlops_cluster_die "pg_cron is not installed (package postgresql-15-cron); run: bash test/setup.sh"; return 1; }
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		_mlops_cluster_die "running as root needs the OS user \"postgres\" (created by the postgresql-15 package); run: bash test/setup.sh"
		return 1
	fi

	dir=$(_mlops_cluster_mkdir) || return 1
	port=$(_mlops_free_port)
	MLOPS_CLUSTER_DIR="$dir"

	if ! mlops_cluster_as_server "$bin/initdb" -D "$dir/data" -U postgres -A trust \
		--encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		_mlops_cluster_die "initdb failed in $dir/data"
		rm -rf "$dir"
		MLOPS_CLUSTER_DIR=""
		return 1
	fi

	{
		echo ""
		echo "# --- throwaway cluster settings (test/cluster.sh) ---"
		echo "listen_addresses = ''"
		echo "port = $port"
		echo "unix_socket_directories = '$dir'"
		echo "shared_preload_libraries = 'pg_cron'"
		echo "cron.database_name = 'postgres'"
		echo "cron.host = '$dir'"
		echo "max_worker_processes = 16"
		echo "max_parallel_workers = 8"
		echo "max_parallel_workers_per_gather = 2"
		echo "fsync = off"
		echo "full_page_writes = off"
		echo "synchronous_commit = off"
		echo "lc_messages = 'C'"
		echo "log_line_prefix = '%m [%p] %q%u@%d '"
		for line in "$@"; do
			echo "$line"
		done
	} >>"$dir/data/postgresql.conf"

	export PGHOST="$dir" PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
	export PGDATA="$dir/data" MLOPS_CLUSTER_DIR PG_BINDIR
	case ":$PATH:" in
	*":$bin:"*) ;;
	*) export PATH="$bin:$PATH" ;;
	esac

	if [ "${MLOPS_CLUSTER_KEEP:-0}" != 1 ]; then
		trap mlops_cluster_stop EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
	fi

	if ! mlops_cluster_as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 start >"$dir/pg_ctl.log" 2>&1; then
		cat "$dir/pg_ctl.log" >&2
		echo "--- last lines of $dir/server.log ---" >&2
		tail -n 40 "$dir/server.log" >&2 2>/dev/null
		_mlops_cluster_die "could not start the cluster in $dir"
		mlops_cluster_stop
		return 1
	fi
}

mlops_cluster_restart() {
	[ -n "$MLOPS_CLUSTER_DIR" ] || { _mlops_cluster_die "no cluster is running"; return 1; }
	mlops_cluster_as_server "$PG_BINDIR/pg_ctl" -D "$MLOPS_CLUSTER_DIR/data" -l "$MLOPS_CLUSTER_DIR/server.log" \
		-w -t 120 -m fast restart >"$MLOPS_CLUSTER_DIR/pg_ctl.log" 2>&1 || {
		cat "$MLOPS_CLUSTER_DIR/pg_ctl.log" >&2
		tail -n 40 "$MLOPS_CLUSTER_DIR/server.log" >&2
		_mlops_cluster_die "could not restart the cluster in $MLOPS_CLUSTER_DIR"
	}
}

# Whether the server accepts connections; waits up to a minute while it recovers from a crash.
mlops_cluster_running() {
	local rc
	[ -n "$MLOPS_CLUSTER_DIR" ] || return 1
	for _ in $(seq 1 60); do
		"$PG_BINDIR/pg_isready" -q -h "$MLOPS_CLUSTER_DIR" -p "$PGPORT" -t 5
		rc=$?
		[ "$rc" -eq 0 ] && return 0
		[ "$rc" -eq 1 ] || return 1 # 1: rejecting connections (recovering); 2, 3: not there
		sleep 1
	done
	return 1
}

# Starts the server of an existing cluster again (after a test stopped or crashed it).
mlops_cluster_ensure_running() {
	mlops_cluster_running && return 0
	[ -n "$MLOPS_CLUSTER_DIR" ] || return 1
	mlops_cluster_as_server "$PG_BINDIR/pg_ctl" -D "$MLOPS_CLUSTER_DIR/data" -l "$MLOPS_CLUSTER_DIR/server.log" \
		-w -t 120 start >"$MLOPS_CLUSTER_DIR/pg_ctl.log" 2>&1
}

mlops_cluster_stop() {
	local dir="$MLOPS_CLUSTER_DIR"
	[ -n "$dir" ] || return 0
	if [ -f "$dir/data/postmaster.pid" ]; then
		mlops_cluster_as_server "$PG_BINDIR/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
			mlops_cluster_as_server "$PG_BINDIR/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null 2>&1 ||
			echo "cluster: could not stop the server in $dir/data" >&2
	fi
	rm -rf "$dir"
	MLOPS_CLUSTER_DIR=""
	return 0
}

mlops_cluster_connect_hint() {
	local as=""
	[ "$(id -u)" -eq 0 ] && as="runuser -u postgres -- "
	echo "connect:  $PG_BINDIR/psql -h $PGHOST -p $PGPORT -U postgres postgres"
	echo "stop:     (cd / && ${as}$PG_BINDIR/pg_ctl -D $PGDATA -m fast stop) && rm -rf $MLOPS_CLUSTER_DIR"
	echo "log:      $MLOPS_CLUSTER_DIR/server.log"
}
