#!/bin/bash
# Scheduled retraining through pg_cron, end to end: in the database pg_cron serves
# (cron.database_name), a project whose data has changed is scheduled for retraining
# every minute; the test waits (at most 150 s) until pg_cron has run the job, and
# checks the run in mlops.retrain_runs (triggered by the schedule, challenger
# deployed) and in pg_cron's own log; then unschedule_retrain removes the job.
#
# Runs against the cluster named by PGHOST/PGPORT/PGUSER, whose pg_cron serves the
# database "postgres" (test/cluster.sh sets it up so).
set -u
. "$(dirname "$0")/../lib.sh"
DB=$(psql -X -A -t -d postgres -c "SHOW cron.database_name" 2>/dev/null)
WAIT=150
if [ -z "$DB" ]; then
	echo "pg_cron is not loaded in this cluster (cron.database_name is not set)" >&2
	exit 2
fi

cleanup() {
	q -c "SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = 'mlops retrain sched'" >/dev/null 2>&1
	q -c "DROP TABLE IF EXISTS sched_t; DROP EXTENSION IF EXISTS mlops; DROP EXTENSION IF EXISTS pg_cron" >/dev/null 2>&1
}
trap cleanup EXIT

q <<'SQL' >/dev/null || exit 2
SET client_min_messages = warning;
DROP TABLE IF EXISTS sched_t;
DROP EXTENSION IF EXISTS mlops;
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION mlops;
CREATE TABLE sched_t AS SELECT i, i % 13 AS a, (i * 7) % 11 AS b, (1 + i % 13)::float8 AS y
FROM generate_series(1, 2000) i;
SELECT * FROM mlops.train('sched', 'sched_t', 'y', ARRAY['a', 'b']);
SELECT * FROM mlops.train('calm', 'sched_t', 'y', ARRAY['a', 'b']);
UPDATE sched_t SET y = 3 + 2 * a - b;
SQL

# "calm" retrains only on drift: without a drift alert since its training, its run is skipped
calm=$(q -c "SELECT mlops.schedule_retrain('calm', '* * * * *', only_on_drift => true)") ||
	{ fail "schedule_retrain(only_on_drift => true) failed"; exit 1; }
jobid=$(q -c "SELECT mlops.schedule_retrain('sched', '* * * * *')") || { fail "schedule_retrain failed"; exit 1; }
job=$(q -c "SELECT jobname || '|' || schedule || '|' || (command LIKE '%mlops._retrain(''sched'', ''if_better'', ''schedule'', ''f'')%')
            FROM cron.job WHERE jobid = $jobid")
if [ "$job" != "mlops retrain sched|* * * * *|true" ]; then
	fail "cron.job holds '$job' for job $jobid"
fi
echo "scheduled pg_cron job $jobid; waiting for it to run (at most ${WAIT}s)"

runs=0
for _ in $(seq 1 "$WAIT"); do
	runs=$(q -c "SELECT count(*) FROM mlops.retrain_history WHERE triggered_by = 'schedule' AND project = 'sched'")
	[ "$runs" -ge 1 ] && break
	sleep 1
done
if [ "$runs" -lt 1 ]; then
	fail "no scheduled run within ${WAIT}s; pg_cron says: $(q -c "SELECT status || ': ' || coalesce(return_message, '') FROM cron.job_run_details WHERE jobid = $jobid ORDER BY runid DESC LIMIT 1")"
else
	run=$(q -c "SELECT h.decision || '|' || h.champion_version || '|' || h.challenger_version || '|' || h.score || '|' || (h.challenger_score < 1e-9)
	            FROM mlops.retrain_history h WHERE h.triggered_by = 'schedule' AND h.project = 'sched' ORDER BY h.run_id LIMIT 1")
	echo "scheduled run: $run"
	if [ "$run" != "deployed|1|2|test rmse|true" ]; then
		fail "the scheduled run recorded '$run', expected the exact challenger (version 2) deployed over version 1"
	fi
	deployed=$(q -c "SELECT version || '|' || strategy FROM mlops.deployed_models WHERE project = 'sched'")
	[ "$deployed" = "2|retrain" ] || fail "deployed_models shows '$deployed', expected version 2 by retrain"
	for _ in $(seq 1 30); do
		status=$(q -c "SELECT status FROM cron.job_run_details WHERE jobid = $jobid ORDER BY runid LIMIT 1")
		[ "$status" = "succeeded" ] && break
		sleep 1
	done
	[ "$status" = "succeeded" ] || fail "pg_cron's log says the job's first run is '$status'"
fi

for _ in $(seq 1 30); do
	skipped=$(q -c "SELECT h.decision || '|' || h.champion_version || '|' || (h.challenger_version IS NULL)
	                FROM mlops.retrain_history h WHERE h.project = 'calm' AND h.triggered_by = 'schedule' ORDER BY h.run_id LIMIT 1")
	[ -n "$skipped" ] && break
	sleep 1
done
echo "scheduled run of calm (only on drift): $skipped"
[ "$skipped" = "skipped|1|true" ] ||
	fail "the only_on_drift job of calm recorded '$skipped', expected a skipped run that kept version 1 and trained nothing"
q -c "SELECT mlops.unschedule_retrain('calm')" >/dev/null || fail "unschedule_retrain failed"

q -c "SELECT mlops.unschedule_retrain('sched')" >/dev/null || fail "unschedule_retrain failed"
left=$(q -c "SELECT count(*) FROM cron.job WHERE jobname = 'mlops retrain sched'")
[ "$left" = "0" ] || fail "the job is still scheduled after unschedule_retrain"
err=$(q -c "SELECT mlops.unschedule_retrain('sched')" 2>&1)
case "$err" in
	*'project "sched" has no retraining schedule'*) ;;
	*) fail "a second unschedule_retrain said: $err" ;;
esac

# drop_project removes the schedule with the project
q -c "SELECT mlops.schedule_retrain('sched', '0 3 * * *')" >/dev/null || fail "schedule_retrain failed"
q -c "SELECT mlops.drop_project('sched')" >/dev/null || fail "drop_project failed"
left=$(q -c "SELECT count(*) FROM cron.job WHERE jobname = 'mlops retrain sched'")
[ "$left" = "0" ] || fail "the job is still scheduled after drop_project"

if [ "$failures" -gt 0 ]; then
	echo "050_schedule_retrain: $failures failure(s)"
	exit 1
fi
echo "050_schedule_retrain: pg_cron ran the retraining, which deployed the better challenger"
