#!/bin/bash
# Upgrades: installing the oldest version of mlops and updating it gives the same extension
# as a fresh install of the default version.
#
#   1. The versions are those of the installed extension files (pg_available_extension_versions),
#      sorted as version numbers (1.10.0 after 1.9.0); the newest must be mlops.control's
#      default_version.  Every script file in the share directory is named mlops--V.sql (install)
#      or mlops--A--B.sql (update) with A and B versions; every version can reach
#      default_version through the update scripts (pg_extension_update_paths); the repository's
#      src/sql/mlops--*.sql are the installed ones (names; a differing content is only noted).
#   2. For the oldest version (and every other version older than the default): a database
#      gets CREATE EXTENSION mlops VERSION 'v', then ALTER EXTENSION mlops UPDATE; another gets
#      a fresh CREATE EXTENSION mlops.  Both must then agree on
#        - the extension row (version, schema, relocatable) and its config_dump registrations
#          (pg_extension.extconfig / extcondition, as table names and conditions);
#        - its member objects (pg_depend deptype 'e', described by pg_describe_object);
#        - every function of schema mlops: pg_get_functiondef (or the pg_aggregate row), kind,
#          volatility, parallel safety, security definer, configuration, owner, ACL;
#        - relations: kind, persistence, options, row security, owner, ACL; columns in order
#          (type, NOT NULL, default, identity, generated, collation, storage, column ACL);
#          constraints (pg_get_constraintdef), indexes (pg_get_indexdef), triggers
#          (pg_get_triggerdef, enabled), policies, rules, view definitions, sequence
#          parameters and owners, statistics objects;
#        - types (with enum labels), operators, casts, operator classes and families, event
#          triggers;
#        - comments (pg_description) and initial privileges (pg_init_privs) of every object;
#          the schema's owner and ACL; default ACLs;
#        - and the output of pg_dump --schema-only --binary-upgrade (which, unlike a plain
#          pg_dump, writes the extension's member objects), without OIDs and physical details.
#      With a single version the update chain is empty: the comparison still runs (fresh
#      against "oldest, then UPDATE", which must then be the same) and the test says so.
#   3. ALTER EXTENSION mlops UPDATE at the newest version is a no-op with the NOTICE
#      'version "V" of extension "mlops" is already installed', and changes nothing.
#   4. Data survives the update: a model trained before ALTER EXTENSION UPDATE keeps its
#      registry rows and predicts the same bits after it.
#
# Runs against the cluster named by PGHOST/PGPORT/PGUSER.
set -u
FRESH=mlops_t_upgrade_fresh
UPG=mlops_t_upgrade_upd
DATA=mlops_t_upgrade_data

. "$(dirname "$0")/../lib.sh"

PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
root="${MLOPS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

q() {
	local db=$1
	shift
	psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}
ok() { echo "ok: $*"; }

for db in "$FRESH" "$UPG" "$DATA"; do
	dropdb --if-exists "$db" 2>/dev/null || exit 2
done
createdb "$FRESH" || exit 2

# ---- 1. versions, script files, update paths ----
bad=$(q "$FRESH" -c "SELECT string_agg(version, ', ') FROM pg_available_extension_versions
	WHERE name = 'mlops' AND version !~ '^[0-9]+(\.[0-9]+)*$'")
[ -z "$bad" ] || fail "versions that are not dotted numbers, which this test cannot order: $bad"
mapfile -t versions < <(q "$FRESH" -c "SELECT version FROM pg_available_extension_versions
	WHERE name = 'mlops' AND version ~ '^[0-9]+(\.[0-9]+)*$'
	ORDER BY string_to_array(version, '.')::int[]")
default=$(q "$FRESH" -c "SELECT default_version FROM pg_available_extensions WHERE name = 'mlops'")
if [ "${#versions[@]}" -eq 0 ] || [ -z "$default" ]; then
	fail "mlops is not installed: no versions in pg_available_extension_versions"
	exit 1
fi
oldest=${versions[0]}
newest=${versions[${#versions[@]} - 1]}
echo "versions: ${versions[*]} (oldest $oldest, newest $newest, default_version $default)"
[ "$newest" = "$default" ] || fail "the newest version $newest is not default_version $default (mlops.control)"

sharedir=$("$PG_CONFIG" --sharedir) || { fail "$PG_CONFIG --sharedir failed"; exit 1; }
extdir="$sharedir/extension"
updates=()
installs=()
for f in "$extdir"/mlops--*.sql; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .sql)
	rest=${name#mlops--}
	if [[ "$rest" =~ ^([^-]+)--([^-]+)$ ]]; then
		from=${BASH_REMATCH[1]}
		to=${BASH_REMATCH[2]}
		updates+=("$from--$to")
		for v in "$from" "$to"; do
			[[ " ${versions[*]} " == *" $v "* ]] || fail "update script $name.sql names version $v, which is not in pg_available_extension_versions"
		done
		[ "$from" != "$to" ] || fail "update script $name.sql updates a version to itself"
	elif [[ "$rest" =~ ^[^-]+$ ]]; then
		installs+=("$rest")
	else
		fail "script $name.sql is neither mlops--VERSION.sql nor mlops--FROM--TO.sql"
	fi
done
[ "${#installs[@]}" -gt 0 ] || fail "no install script mlops--VERSION.sql in $extdir"
[[ " ${installs[*]} " == *" $oldest "* ]] ||
	fail "the oldest version $oldest has no install script mlops--$oldest.sql (CREATE EXTENSION VERSION '$oldest' would need an older one)"
echo "install scripts: ${installs[*]}; update scripts: ${updates[*]:-none}"

# every version reaches default_version; print the path from the oldest
q "$FRESH" -c "SELECT source, coalesce(path, '(no path)') FROM pg_extension_update_paths('mlops')
	WHERE target = '$default' ORDER BY string_to_array(source, '.')::int[]" >"$work/paths" ||
	fail "pg_extension_update_paths('mlops') failed"
for v in "${versions[@]}"; do
	[ "$v" = "$default" ] && continue
	line=$(grep "^${v//./\\.}|" "$work/paths")
	if [ -z "$line" ] || [ "${line#*|}" = "(no path)" ]; then
		fail "version $v cannot be updated to default_version $default: no chain of update scripts (pg_extension_update_paths: ${line:-no row})"
	fi
done
if [ "$oldest" = "$default" ]; then
	if [ "${#updates[@]}" -ne 0 ]; then
		fail "a single version ($default) but update scripts: ${updates[*]}"
	fi
	ok "one version ($default): the update chain is empty (no mlops--A--B.sql), which is allowed while there is one version"
else
	ok "update path $oldest -> $default: $(grep "^${oldest//./\\.}|" "$work/paths" | cut -d'|' -f2); every one of ${#versions[@]} versions reaches $default"
fi
# update scripts that no path to the default version uses (downgrades, dead ends)
for u in "${updates[@]}"; do
	from=${u%%--*}
	to=${u#*--}
	used=0
	for v in "${versions[@]}"; do
		p=$(grep "^${v//./\\.}|" "$work/paths" | cut -d'|' -f2)
		[[ "--$p--" == *"--$from--$to--"* ]] && used=1
	done
	[ "$used" -eq 1 ] || echo "note: update script mlops--$u.sql is on no path to $default (a downgrade?)"
done

# the repository's scripts are the installed ones
if [ -d "$root/src/sql" ]; then
	for f in "$root"/src/sql/mlops--*.sql; do
		[ -e "$f" ] || continue
		if [ ! -f "$extdir/$(basename "$f")" ]; then
			fail "src/sql/$(basename "$f") is not installed in $extdir: run make install"
		elif ! cmp -s "$f" "$extdir/$(basename "$f")"; then
			echo "note: src/sql/$(basename "$f") differs from the installed copy (make install not run since it changed); the installed files are tested"
		fi
	done
	for f in "$extdir"/mlops--*.sql; do
		[ -e "$f" ] || continue
		[ -f "$root/src/sql/$(basename "$f")" ] ||
			fail "$extdir/$(basename "$f") is installed but not in src/sql (a stale script that CREATE or UPDATE may use)"
	done
fi

# ---- 2. the extension as catalogs describe it ----
cat >"$work/snapshot.sql" <<'SQL'
SET search_path = pg_catalog;
CREATE TEMP VIEW ext AS SELECT oid FROM pg_extension WHERE extname = 'mlops';
CREATE TEMP VIEW ns AS SELECT oid FROM pg_namespace WHERE nspname = 'mlops';
CREATE TEMP VIEW rels AS SELECT c.* FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM ns);
CREATE TEMP VIEW members AS SELECT d.classid, d.objid, d.objsubid FROM pg_depend d
	WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = (SELECT oid FROM ext) AND d.deptype = 'e';
SELECT 'extension', extname, extversion, extrelocatable, extnamespace::regnamespace, extowner::regrole
	FROM pg_extension WHERE extname = 'mlops';
SELECT 'extconfig', x.rel::regclass::text, c.relkind, quote_literal(x.cond)
	FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(rel, cond) JOIN pg_class c ON c.oid = x.rel
	WHERE e.extname = 'mlops' ORDER BY 2;
SELECT 'member', pg_describe_object(classid, objid, objsubid) FROM members ORDER BY 2;
SELECT 'not a member', pg_describe_object('pg_class'::regclass, r.oid, 0) FROM rels r
	WHERE r.relkind NOT IN ('i', 'I', 't', 'c') AND r.oid NOT IN (SELECT objid FROM members WHERE classid = 'pg_class'::regclass)
	ORDER BY 2;
SELECT 'not a member', pg_describe_object('pg_proc'::regclass, p.oid, 0) FROM pg_proc p
	WHERE p.pronamespace = (SELECT oid FROM ns)
	  AND p.oid NOT IN (SELECT objid FROM members WHERE classid = 'pg_proc'::regclass) ORDER BY 2;
SELECT 'schema', nspname, nspowner::regrole, nspacl FROM pg_namespace WHERE oid = (SELECT oid FROM ns);
SELECT 'function', p.oid::regprocedure::text, p.prokind, p.prorettype::regtype, p.proretset, p.provolatile,
	p.proparallel, p.prosecdef, p.proisstrict, p.proleakproof, p.procost, p.prorows, p.proconfig,
	p.prosupport, p.proowner::regrole, p.proacl, p.proargnames, p.proargmodes,
	pg_get_function_arguments(p.oid), md5(coalesce(p.prosrc, '') || '|' || coalesce(p.probin, ''))
	FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM ns) ORDER BY 2;
SELECT 'functiondef', p.oid::regprocedure::text, pg_get_functiondef(p.oid)
	FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM ns) AND p.prokind <> 'a' ORDER BY 2;
SELECT 'aggregate', a.aggfnoid::regprocedure::text, a.aggkind, a.aggnumdirectargs, a.aggtransfn::oid::regprocedure,
	nullif(a.aggfinalfn::oid, 0)::regprocedure, nullif(a.aggcombinefn::oid, 0)::regprocedure,
	nullif(a.aggserialfn::oid, 0)::regprocedure, nullif(a.aggdeserialfn::oid, 0)::regprocedure,
	nullif(a.aggmtransfn::oid, 0)::regprocedure, nullif(a.aggminvtransfn::oid, 0)::regprocedure,
	nullif(a.aggmfinalfn::oid, 0)::regprocedure, a.aggfinalextra, a.aggmfinalextra, a.aggfinalmodify,
	a.aggmfinalmodify, nullif(a.aggsortop, 0)::regoperator, a.aggtranstype::regtype, a.aggtransspace,
	nullif(a.aggmtranstype, 0)::regtype, a.aggmtransspace, a.agginitval, a.aggminitval
	FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
	WHERE p.pronamespace = (SELECT oid FROM ns) ORDER BY 2;
SELECT 'relation', r.oid::regclass::text, r.relkind, r.relpersistence, r.reloptions, r.relrowsecurity,
	r.relforcerowsecurity, r.relreplident, r.relispartition, r.relowner::regrole, r.relacl,
	nullif(r.reloftype, 0)::regtype, r.relam::regclass
	FROM rels r WHERE r.relkind NOT IN ('i', 'I') ORDER BY 2;
SELECT 'column', r.oid::regclass::text, row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum), a.attname,
	format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity,
	a.attgenerated, nullif(a.attcollation, 0)::regcollation, a.attstorage, a.attcompression,
	a.attstattarget,
	array(SELECT o FROM unnest(a.attoptions) o WHERE o NOT LIKE 'pg\_attver=%'), a.attfdwoptions, a.attacl
	FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
	LEFT JOIN pg_attrdef d ON d.adrelid = r.oid AND d.adnum = a.attnum
	WHERE r.relkind IN ('r', 'p', 'v', 'm', 'c', 'f') ORDER BY 2, 3;
SELECT 'constraint', c.conrelid::regclass::text, nullif(c.contypid, 0)::regtype::text, c.conname, c.contype,
	pg_get_constraintdef(c.oid), c.condeferrable, c.condeferred, c.convalidated, c.connoinherit, c.conislocal
	FROM pg_constraint c WHERE c.connamespace = (SELECT oid FROM ns) ORDER BY 2, 3, 4;
SELECT 'index', x.indrelid::regclass::text, i.relname, pg_get_indexdef(x.indexrelid), x.indisprimary, x.indisunique,
	x.indimmediate, x.indisreplident, x.indisclustered, x.indisvalid, i.reloptions
	FROM pg_index x JOIN rels i ON i.oid = x.indexrelid ORDER BY 2, 3;
SELECT 'trigger', t.tgrelid::regclass::text, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid)
	FROM pg_trigger t JOIN rels r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal ORDER BY 2, 3;
SELECT 'event trigger', e.evtname, e.evtevent, e.evtfoid::regprocedure, e.evtenabled, e.evttags, e.evtowner::regrole
	FROM pg_event_trigger e ORDER BY 2;
SELECT 'policy', p.tablename, p.policyname, p.permissive, p.roles, p.cmd, p.qual, p.with_check
	FROM pg_policies p WHERE p.schemaname = 'mlops' ORDER BY 2, 3;
SELECT 'rule', r.tablename, r.rulename, r.definition FROM pg_rules r WHERE r.schemaname = 'mlops' ORDER BY 2, 3;
SELECT 'view', r.oid::regclass::text, r.relkind, pg_get_viewdef(r.oid) FROM rels r WHERE r.relkind IN ('v', 'm') ORDER BY 2;
SELECT 'sequence', s.seqrelid::regclass::text, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmax, s.seqmin,
	s.seqcache, s.seqcycle,
	(SELECT d.refobjid::regclass || '.' || a.attname || ' (' || d.deptype::text || ')' FROM pg_depend d
	 JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
	 WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid AND d.refclassid = 'pg_class'::regclass
	   AND d.deptype IN ('a', 'i'))
	FROM pg_sequence s JOIN rels r ON r.oid = s.seqrelid ORDER BY 2;
SELECT 'statistics', s.stxname, pg_get_statisticsobjdef(s.oid) FROM pg_statistic_ext s
	WHERE s.stxnamespace = (SELECT oid FROM ns) ORDER BY 2;
SELECT 'type', t.oid::regtype::text, t.typtype, t.typlen, t.typbyval, t.typcategory, t.typispreferred, t.typdelim,
	nullif(t.typinput::oid, 0)::regprocedure, nullif(t.typoutput::oid, 0)::regprocedure,
	nullif(t.typreceive::oid, 0)::regprocedure, nullif(t.typsend::oid, 0)::regprocedure,
	nullif(t.typmodin::oid, 0)::regprocedure, nullif(t.typmodout::oid, 0)::regprocedure,
	nullif(t.typanalyze::oid, 0)::regprocedure, nullif(t.typsubscript::oid, 0)::regprocedure,
	t.typalign, t.typstorage, t.typnotnull, nullif(t.typbasetype, 0)::regtype, t.typtypmod, t.typndims,
	nullif(t.typcollation, 0)::regcollation, t.typdefault, nullif(t.typelem, 0)::regtype,
	nullif(t.typarray, 0)::regtype, t.typowner::regrole, t.typacl
	FROM pg_type t WHERE t.typnamespace = (SELECT oid FROM ns) ORDER BY 2;
SELECT 'enum', e.enumtypid::regtype::text, row_number() OVER (PARTITION BY e.enumtypid ORDER BY e.enumsortorder), e.enumlabel
	FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typnamespace = (SELECT oid FROM ns) ORDER BY 2, 3;
SELECT 'operator', o.oid::regoperator::text, o.oprkind, o.oprresult::regtype, o.oprcode::oid::regprocedure,
	nullif(o.oprcom, 0)::regoperator, nullif(o.oprnegate, 0)::regoperator, o.oprrest, o.oprjoin,
	o.oprcanmerge, o.oprcanhash, o.oprowner::regrole
	FROM pg_operator o WHERE o.oprnamespace = (SELECT oid FROM ns) ORDER BY 2;
SELECT 'cast', c.castsource::regtype::text, c.casttarget::regtype::text, nullif(c.castfunc, 0)::regprocedure, c.castcontext, c.castmethod
	FROM pg_cast c JOIN members m ON m.classid = 'pg_cast'::regclass AND m.objid = c.oid ORDER BY 2, 3;
SELECT 'opclass', o.opcname, a.amname, o.opcintype::regtype, o.opcdefault, nullif(o.opckeytype, 0)::regtype,
	pg_describe_object('pg_opfamily'::regclass, o.opcfamily, 0)
	FROM pg_opclass o JOIN pg_am a ON a.oid = o.opcmethod WHERE o.opcnamespace = (SELECT oid FROM ns) ORDER BY 2, 3;
SELECT 'opfamily member', pg_describe_object('pg_amop'::regclass, x.oid, 0) FROM pg_amop x
	JOIN pg_opfamily f ON f.oid = x.amopfamily WHERE f.opfnamespace = (SELECT oid FROM ns) ORDER BY 2;
SELECT 'opfamily member', pg_describe_object('pg_amproc'::regclass, x.oid, 0) FROM pg_amproc x
	JOIN pg_opfamily f ON f.oid = x.amprocfamily WHERE f.opfnamespace = (SELECT oid FROM ns) ORDER BY 2;
SELECT 'comment', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description
	FROM pg_description d WHERE d.objoid >= 16384 ORDER BY 2;
SELECT 'init privs', pg_describe_object(i.classoid, i.objoid, i.objsubid), i.privtype, i.initprivs
	FROM pg_init_privs i WHERE i.objoid >= 16384 ORDER BY 2;
SELECT 'default acl', d.defaclrole::regrole::text, d.defaclnamespace::regnamespace::text, d.defaclobjtype, d.defaclacl
	FROM pg_default_acl d ORDER BY 2, 3, 4;
SQL

# the snapshot of a database: catalogs, then pg_dump --binary-upgrade without OIDs and
# physical details (relfrozenxid, dropped columns, missing values of added columns); the
# pg_attver entries that this server shows in pg_attribute.attoptions vary by relation and
# are left out
snapshot() {
	local db=$1 out=$2
	q "$db" -f "$work/snapshot.sql" >"$out.catalog" 2>&1 || {
		grep -A5 -E '(ERROR|FATAL):' "$out.catalog"
		fail "$db: reading the catalogs failed"
	}
	pg_dump --schema-only --binary-upgrade -d "$db" 2>"$out.err" |
		sed -E -e '/^--/d' -e '/^\\(un)?restrict /d' -e '/^$/d' \
			-e '/binary_upgrade_set_next_|binary_upgrade_set_missing_value|pg\.dropped\./d' \
			-e '/^UPDATE pg_catalog\.pg_[a-z_]*$/,/;$/d' \
			-e "s/(binary_upgrade_create_empty_extension\\('mlops', 'mlops', (true|false), '[^']*', )'\\{[0-9,]*\\}'/\\1'{oids}'/" \
			>"$out.dump"
	[ "${PIPESTATUS[0]}" -eq 0 ] || { cat "$out.err"; fail "$db: pg_dump --schema-only --binary-upgrade failed"; }
}

q "$FRESH" -c "CREATE EXTENSION mlops" || { fail "CREATE EXTENSION mlops failed"; exit 1; }
snapshot "$FRESH" "$work/fresh"
nmembers=$(grep -c '^member|' "$work/fresh.catalog")
nfunc=$(grep -c '^function|' "$work/fresh.catalog")
nrel=$(grep -c '^relation|' "$work/fresh.catalog")
ncol=$(grep -c '^column|' "$work/fresh.catalog")
ncomment=$(grep -c '^comment|' "$work/fresh.catalog")
ncfg=$(grep -c '^extconfig|' "$work/fresh.catalog")
ndump=$(wc -l <"$work/fresh.dump")
if [ "$nmembers" -lt 50 ] || [ "$nfunc" -lt 20 ] || [ "$ncfg" -lt 10 ] || [ "$ndump" -lt 500 ]; then
	fail "the snapshot of a fresh install is too small to compare: $nmembers members, $nfunc functions, $ncfg config_dump registrations, $ndump dump lines"
fi
grep -q "^extension|mlops|$default|" "$work/fresh.catalog" || fail "a fresh CREATE EXTENSION mlops did not install $default: $(grep '^extension|' "$work/fresh.catalog")"
grep -q '^not a member|' "$work/fresh.catalog" && fail "objects of schema mlops that are not members of the extension: $(grep '^not a member|' "$work/fresh.catalog")"

# each version older than the default: install it, UPDATE, compare with the fresh install
for v in "${versions[@]}"; do
	[ "$v" = "$default" ] && [ "$v" != "$oldest" ] && continue
	dropdb --if-exists "$UPG" 2>/dev/null
	createdb "$UPG" || exit 2
	if ! q "$UPG" -c "CREATE EXTENSION mlops VERSION '$v'" 2>"$work/create.err"; then
		cat "$work/create.err"
		fail "CREATE EXTENSION mlops VERSION '$v' failed"
		continue
	fi
	PGOPTIONS='-c client_min_messages=notice' q "$UPG" -c "ALTER EXTENSION mlops UPDATE" >"$work/update.out" 2>&1 ||
		{ cat "$work/update.out"; fail "ALTER EXTENSION mlops UPDATE from $v failed"; continue; }
	if [ "$v" = "$default" ]; then
		grep -q "NOTICE:  version \"$default\" of extension \"mlops\" is already installed" "$work/update.out" ||
			fail "ALTER EXTENSION mlops UPDATE at $default: expected the notice that it is already installed, got: $(cat "$work/update.out")"
		chain="empty (a single version: CREATE EXTENSION mlops VERSION '$v', then ALTER EXTENSION mlops UPDATE, which is a no-op)"
	else
		chain=$(grep "^${v//./\\.}|" "$work/paths" | cut -d'|' -f2)
	fi
	got=$(q "$UPG" -c "SELECT extversion FROM pg_extension WHERE extname = 'mlops'")
	[ "$got" = "$default" ] || fail "after ALTER EXTENSION mlops UPDATE from $v the version is $got, not $default"
	snapshot "$UPG" "$work/upg"
	before=$failures
	if ! diff -u "$work/fresh.catalog" "$work/upg.catalog" >"$work/diff.catalog"; then
		head -n 300 "$work/diff.catalog"
		fail "$v updated to $default differs from a fresh install of $default in the catalogs ($(grep -c '^[-+][^-+]' "$work/diff.catalog") lines)"
	fi
	if ! diff -u "$work/fresh.dump" "$work/upg.dump" >"$work/diff.dump"; then
		head -n 300 "$work/diff.dump"
		fail "$v updated to $default differs from a fresh install of $default in pg_dump --schema-only --binary-upgrade ($(grep -c '^[-+][^-+]' "$work/diff.dump") lines)"
	fi
	[ "$failures" -eq "$before" ] && ok "$v -> $default, update chain $chain: same as a fresh install ($nmembers member objects, $nfunc functions, $nrel relations, $ncol columns, $ncomment comments, $ncfg config_dump registrations, $ndump lines of pg_dump --binary-upgrade)"
done

# ---- 3. UPDATE at the newest version: a notice, nothing else ----
for cmd in "ALTER EXTENSION mlops UPDATE" "ALTER EXTENSION mlops UPDATE TO '$default'"; do
	PGOPTIONS='-c client_min_messages=notice' q "$FRESH" -c "$cmd" >"$work/noop.out" 2>&1 ||
		fail "$cmd at $default failed: $(cat "$work/noop.out")"
	if [ "$(cat "$work/noop.out")" != "NOTICE:  version \"$default\" of extension \"mlops\" is already installed" ]; then
		fail "$cmd at $default: expected only the notice that it is already installed, got: $(cat "$work/noop.out")"
	fi
done
snapshot "$FRESH" "$work/again"
if ! diff -u "$work/fresh.catalog" "$work/again.catalog" || ! diff -u "$work/fresh.dump" "$work/again.dump"; then
	fail "ALTER EXTENSION mlops UPDATE at the newest version changed the extension"
fi
ok "ALTER EXTENSION mlops UPDATE (and UPDATE TO '$default') at $default: only the notice 'version \"$default\" of extension \"mlops\" is already installed', nothing changed"

# ---- 4. data survives the update ----
createdb "$DATA" || exit 2
state="SELECT m.model_id, m.version, m.coefficients, m.state::text FROM mlops.models m ORDER BY 1;
	SELECT d.deployment_id, d.model_id FROM mlops.deployments d ORDER BY 1;
	SELECT count(*) FROM mlops.metrics;
	SELECT count(*) FROM mlops.baselines;
	SELECT float8send(mlops.predict('upgraded', ARRAY[x, 2.5])) FROM generate_series(-3, 3) x;"
if q "$DATA" >"$work/data.train" 2>&1 <<SQL; then
CREATE EXTENSION mlops VERSION '$oldest';
CREATE TABLE t AS SELECT i, (i % 17)::float8 AS a, ((i * 7) % 13)::float8 AS b,
	(1.25 + 0.7 * (i % 17) - 2.2 * ((i * 7) % 13) + sin(i))::float8 AS y FROM generate_series(1, 1000) i;
SELECT count(*) FROM mlops.train('upgraded', 't', 'y', ARRAY['a', 'b']);
SQL
	q "$DATA" -c "$state" >"$work/data.before" 2>&1 || fail "reading the registry before the update failed: $(cat "$work/data.before")"
	PGOPTIONS='-c client_min_messages=warning' q "$DATA" -c "ALTER EXTENSION mlops UPDATE" ||
		fail "ALTER EXTENSION mlops UPDATE with a trained model failed"
	q "$DATA" -c "$state" >"$work/data.after" 2>&1 || fail "reading the registry after the update failed: $(cat "$work/data.after")"
	if ! diff -u "$work/data.before" "$work/data.after"; then
		fail "the registry or predictions changed with ALTER EXTENSION mlops UPDATE from $oldest"
	elif [ "$(wc -l <"$work/data.before")" -lt 10 ]; then
		fail "the registry read back almost nothing: $(cat "$work/data.before")"
	else
		ok "a model trained under $oldest keeps its registry rows and predicts the same bits after the update to $default"
	fi
else
	cat "$work/data.train"
	fail "training under mlops $oldest failed"
fi

for db in "$FRESH" "$UPG" "$DATA"; do
	dropdb --if-exists "$db"
done
if [ "$failures" -gt 0 ]; then
	echo "031_upgrade: $failures failure(s)"
	exit 1
fi
if [ "$oldest" = "$default" ]; then
	echo "031_upgrade: one version ($default), the update chain is empty; CREATE EXTENSION VERSION '$oldest' + ALTER EXTENSION UPDATE equals a fresh install"
else
	echo "031_upgrade: every version updates to $default and equals a fresh install"
fi
