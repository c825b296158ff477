#!/usr/bin/env python3
"""Baton's insights engine against the same metrics as DuckDB SQL, same data, same run.

    python3 bench/insights/run.py --messages 1000000
    python3 bench/insights/run.py --messages 10000000

1. Generates the data with `gen` (cargo run --release) unless it is already there.
2. Runs `baton-side`: loads the CSV files into a Dataset and times the full `report()` (warm).
3. Loads the same CSV files into DuckDB tables (not timed) and times the SQL below (warm, min of
   the runs): turns with window functions, responses, DST-aware working time from per-zone
   working intervals with a running sum found by ASOF joins, handoffs, span, bouncing threads,
   awaiting answers, tasks (state at `to`, stalled, cycle time, completion), collaborators,
   isolation and lagging.
4. Checks that both sides give the same numbers and prints both times and the ratio.

The window is the whole generated year, [2025-01-01T00:00Z, 2026-01-01T00:00Z), for both
sides. DuckDB runs in this process and uses every core (PRAGMA threads); Baton's report runs on
one thread. Needs the `duckdb` Python package: when it is missing, a virtual environment is made
in ~/.cache/baton-bench-venv with it, and the script reruns itself there.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = Path.home() / ".cache" / "baton-bench-venv"

HOUR_US = 3_600_000_000
# Thresholds::design_defaults()
NORM_US = 4 * HOUR_US
BOUNCING_HANDOFFS = 6
BOUNCING_SPAN_US = 24 * HOUR_US
STALLED_US = 24 * HOUR_US
ISOLATION_US = 14 * 24 * HOUR_US
ISOLATED_MAX = 1
WORKSPACE_ZONE = "UTC"


def ensure_duckdb():
    try:
        import duckdb  # noqa: F401
        return
    except ImportError:
        pass
    python = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        sys.exit("duckdb is missing from the benchmark's virtual environment")
    if not python.exists():
        print(f"run.py: creating {VENV} with duckdb", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "duckdb"], check=True)
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def rfc3339(us):
    return datetime.fromtimestamp(us / 1e6, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def instant(text):
    """An RFC 3339 instant (or a date: its UTC midnight) as microseconds since the epoch."""
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return int(at.timestamp()) * 1_000_000


def cargo_env():
    env = dict(os.environ)
    return env


def target_dir():
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def build():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "baton-bench-insights"], cwd=ROOT, check=True, env=cargo_env())


def generate(messages, data, seed):
    done = data / ".complete"
    if done.exists():
        return
    data.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [str(target_dir() / "release" / "gen"), "--messages", str(messages), "--out", str(data), "--seed", str(seed)],
        check=True,
    )
    done.write_text(f"messages={messages} seed={seed}\n")
    print(f"run.py: generated {data} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def run_baton(data, runs, stages, frm, to):
    cmd = [str(target_dir() / "release" / "baton-side"), "--data", str(data), "--runs", str(runs),
           "--from", rfc3339(frm), "--to", rfc3339(to)]
    if stages:
        cmd.append("--stages")
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout)


# --------------------------------------------------------------------------------------------
# DuckDB

LOAD = """
CREATE TABLE people AS SELECT * FROM read_csv('{d}/people.csv', header = true,
    columns = {{'idx': 'INTEGER', 'handle': 'VARCHAR', 'time_zone': 'VARCHAR'}});
CREATE TABLE conversations AS SELECT * REPLACE (direct = 1 AS direct) FROM read_csv('{d}/conversations.csv',
    header = true, quote = '"', columns = {{'idx': 'INTEGER', 'kind': 'VARCHAR', 'channel': 'VARCHAR',
    'title': 'VARCHAR', 'direct': 'TINYINT', 'resolved_at': 'BIGINT'}});
CREATE TABLE messages AS SELECT * REPLACE (mentions_other = 1 AS mentions_other,
    ends_with_question = 1 AS ends_with_question) FROM read_csv('{d}/messages.csv', header = true,
    columns = {{'id': 'BIGINT', 'conversation': 'INTEGER', 'author': 'INTEGER', 'ts': 'BIGINT',
    'mentions_other': 'TINYINT', 'ends_with_question': 'TINYINT'}});
CREATE TABLE tasks AS SELECT * FROM read_csv('{d}/tasks.csv', header = true,
    columns = {{'id': 'BIGINT', 'project': 'VARCHAR', 'created_at': 'BIGINT', 'status': 'VARCHAR',
    'assignee': 'INTEGER', 'due': 'DATE', 'conversation': 'INTEGER'}});
CREATE TABLE task_changes AS SELECT * FROM read_csv('{d}/task_changes.csv', header = true,
    columns = {{'task': 'BIGINT', 'seq': 'INTEGER', 'ts': 'BIGINT', 'kind': 'VARCHAR', 'value': 'VARCHAR'}});
"""


DAY_US = 86_400_000_000


def cum_asof(table, zid, at, alias):
    """Working microseconds of calendar `zid` from the start of `work` up to `at`: the running
    total before the last working interval that starts at or before `at`, plus the part of
    that interval before `at`. An ASOF join finds the interval."""
    return (f"SELECT {table}.*, coalesce(w.cum_before + least({at} - w.s, w.len), 0) AS {alias} "
            f"FROM {table} ASOF LEFT JOIN work w ON w.zid = {table}.{zid} AND w.s <= {table}.{at}")


def cum_day(table, zid, at, alias):
    """The same as `cum_asof` through an equality join on (zone, UTC day): `work_day` holds the
    running total at the start of each UTC day and the (at most two) pieces of working intervals
    inside that day, so no sort is needed."""
    return (f"SELECT {table}.*, d.cum_day + coalesce(greatest(least({at}, d.e1) - d.s1, 0), 0)"
            f" + coalesce(greatest(least({at}, d.e2) - d.s2, 0), 0) AS {alias} "
            f"FROM {table} JOIN work_day d ON d.zid = {table}.{zid} AND d.k = {table}.{at} // {DAY_US}")


def metric_sql(frm, to, working="day"):
    """The timed statements, in order. Temporary tables hold what several metrics share.
    `working` picks how working time is looked up: "day" (equality join on zone and UTC day) or
    "asof" (ASOF join on the intervals)."""
    cum = {"day": cum_day, "asof": cum_asof}[working]
    p = dict(frm=frm, to=to, norm=NORM_US, bh=BOUNCING_HANDOFFS, bs=BOUNCING_SPAN_US, stalled=STALLED_US,
             span_start=to - ISOLATION_US, imax=ISOLATED_MAX, ws=WORKSPACE_ZONE, D=DAY_US)
    stmts = []
    # Calendars: every zone's working intervals (local Mon–Fri 09:00–17:00 turned into UTC instants
    # per local date with ICU's timezone(), so DST is respected) with a running total of working
    # time before each. Working time between t1 and t2 is then cum(t2) − cum(t1).
    calendars = """
CREATE OR REPLACE TEMP TABLE zones AS
SELECT zone, row_number() OVER (ORDER BY zone)::INTEGER AS zid
FROM (SELECT DISTINCT time_zone AS zone FROM people UNION SELECT '{ws}');
CREATE OR REPLACE TEMP TABLE person_zone AS
SELECT p.idx, z.zid FROM people p JOIN zones z ON z.zone = p.time_zone;
CREATE OR REPLACE TEMP TABLE work AS
WITH days AS (
    SELECT unnest(generate_series(
        make_timestamp(least((SELECT min(ts) FROM messages), (SELECT min(created_at) FROM tasks))) - INTERVAL 2 DAY,
        make_timestamp({to}) + INTERVAL 2 DAY, INTERVAL 1 DAY))::DATE AS d),
intervals AS (
    SELECT zid, epoch_us(timezone(zone, d + TIME '09:00')) AS s, epoch_us(timezone(zone, d + TIME '17:00')) AS e
    FROM zones, days WHERE isodow(d) <= 5)
SELECT zid, s, e - s AS len,
       coalesce(sum(e - s) OVER (PARTITION BY zid ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::BIGINT
           AS cum_before
FROM intervals;
"""
    if working == "day":
        # Per zone and UTC day k: the running total at the day's start and the pieces of
        # working intervals inside it (8-hour intervals 16 hours apart: never more than two).
        calendars += """
CREATE OR REPLACE TEMP TABLE work_day AS
WITH days AS (
    SELECT zid, unnest(range((SELECT min(s) FROM work) // {D}, (SELECT max(s + len) FROM work) // {D} + 1)) AS k
    FROM zones),
start_cum AS ({day_start}),
pieces AS (
    SELECT zid, k, greatest(s, k * {D}) AS s, least(s + len, (k + 1) * {D}) AS e,
           row_number() OVER (PARTITION BY zid, k ORDER BY s) AS n
    FROM (SELECT zid, s, len, unnest(range(s // {D}, (s + len - 1) // {D} + 1)) AS k FROM work))
SELECT d.zid, d.k, d.cum_day, p1.s AS s1, p1.e AS e1, p2.s AS s2, p2.e AS e2,
       CASE WHEN (SELECT max(n) FROM pieces) > 2 THEN error('more than two working pieces in a day') END AS checked
FROM start_cum d
LEFT JOIN pieces p1 ON p1.zid = d.zid AND p1.k = d.k AND p1.n = 1
LEFT JOIN pieces p2 ON p2.zid = d.zid AND p2.k = d.k AND p2.n = 2;
""".replace("{day_start}", cum_asof("days", "zid", "day_start", "cum_day").replace(
            "FROM days", "FROM (SELECT *, k * {D} AS day_start FROM days) days"))
    stmts.append(("calendars", calendars.format(**p)))
    # Turns: each message before `to` with the previous one of its conversation, in (time, id) order.
    stmts.append(("turns", """
CREATE OR REPLACE TEMP TABLE msg AS
SELECT conversation, id, author, ts, mentions_other, ends_with_question,
       row_number() OVER w AS pos, lag(author) OVER w AS prev_author, lag(ts) OVER w AS prev_at
FROM messages WHERE ts < {to}
WINDOW w AS (PARTITION BY conversation ORDER BY ts, id);
""".format(**p)))
    # Per conversation: handoffs, span, its first response and its last turn (for awaiting).
    stmts.append(("conversations", """
CREATE OR REPLACE TEMP TABLE conv AS
SELECT conversation, min(ts) AS first_at, max(ts) AS last_at,
       count(*) FILTER (prev_author <> author) AS handoffs,
       min(pos) FILTER (prev_author <> author) AS first_response_pos,
       coalesce(max(pos) FILTER (prev_author <> author), 1) AS last_turn_start,
       max(pos) FILTER (mentions_other) AS last_mention,
       arg_max(ends_with_question, pos) AS last_asks_question
FROM msg GROUP BY conversation;
""".format(**p)))
    # Responses: a message whose author differs from the previous message's (the last message of
    # the turn answered), with wall and working time in the responder's calendar.
    stmts.append(("responses", """
CREATE OR REPLACE TEMP TABLE resp AS
WITH r AS (
    SELECT m.conversation, m.pos, m.prev_author AS asker, m.author AS responder, m.prev_at AS asked_at,
           m.ts AS responded_at, pz.zid
    FROM msg m JOIN person_zone pz ON pz.idx = m.author
    WHERE m.prev_author <> m.author),
a AS ({a}),
b AS ({b})
SELECT b.conversation, asker, responder, responded_at, responded_at - asked_at AS wall, c2 - c1 AS working,
       b.pos = c.first_response_pos AS first
FROM b JOIN conv c ON c.conversation = b.conversation;
""".format(a=cum("r", "zid", "asked_at", "c1"), b=cum("a", "zid", "responded_at", "c2"), **p)))
    stmts.append(("message figures", """
SELECT (SELECT count(*) FROM msg WHERE ts >= {frm}) AS messages_count,
       (SELECT count(*) FROM conv WHERE last_at >= {frm}) AS conversations_active,
       count(*) AS responses,
       quantile_disc(wall, 0.5) // 1000000 AS response_median_s,
       quantile_disc(wall, 0.9) // 1000000 AS response_p90_s,
       quantile_disc(working, 0.5) // 1000000 AS response_median_working_s,
       quantile_disc(working, 0.9) // 1000000 AS response_p90_working_s,
       CASE WHEN count(*) > 0 THEN (count(*) FILTER (working <= {norm}))::DOUBLE / count(*) END AS within_norm_share,
       count(*) FILTER (first) AS first_response_count,
       quantile_disc(wall, 0.5) FILTER (first) // 1000000 AS first_median_s,
       quantile_disc(wall, 0.9) FILTER (first) // 1000000 AS first_p90_s,
       quantile_disc(working, 0.5) FILTER (first) // 1000000 AS first_median_working_s,
       quantile_disc(working, 0.9) FILTER (first) // 1000000 AS first_p90_working_s
FROM resp WHERE responded_at >= {frm};
""".format(**p)))
    # Awaiting: the last turn asks (a mention in it, or its last message ends in '?'), its last
    # message is in the window, and more than the norm of workspace working time has passed.
    stmts.append(("awaiting", """
WITH waiting AS (
    SELECT c.last_at, (SELECT zid FROM zones WHERE zone = '{ws}') AS zid, {to}::BIGINT AS to_at
    FROM conv c
    WHERE c.last_at >= {frm} AND (c.last_mention >= c.last_turn_start OR c.last_asks_question)),
a AS ({a}),
b AS ({b})
SELECT count(*) FILTER (c_to - c_last > {norm}) AS awaiting_answer FROM b;
""".format(a=cum("waiting", "zid", "last_at", "c_last"), b=cum("a", "zid", "to_at", "c_to"), **p)))
    stmts.append(("bouncing", """
SELECT count(*) AS bouncing_threads, coalesce(sum(handoffs), 0) AS bouncing_handoffs_sum,
       coalesce(sum((last_at - first_at) // 1000000), 0) AS bouncing_span_s_sum
FROM conv JOIN conversations k ON k.idx = conv.conversation
WHERE k.kind = 'thread' AND last_at >= {frm} AND handoffs >= {bh} AND last_at - first_at >= {bs}
  AND NOT coalesce(k.resolved_at < {to}, false);
""".format(**p)))
    # Tasks as they were at `to`: the last change of each kind before `to` wins (ties by seq);
    # arg_max_null, because a change to "nobody" or "no due date" is a NULL that still wins.
    stmts.append(("task state", """
CREATE OR REPLACE TEMP TABLE task_at AS
WITH ch AS (
    SELECT task, max(ts) AS last_change,
           arg_max_null(value, (ts, seq)) FILTER (kind = 'status') AS status,
           max(ts) FILTER (kind = 'status') AS status_at,
           count(*) FILTER (kind = 'assigned') > 0 AS reassigned,
           arg_max_null(value, (ts, seq)) FILTER (kind = 'assigned') AS assignee,
           count(*) FILTER (kind = 'due') > 0 AS due_moved,
           arg_max_null(value, (ts, seq)) FILTER (kind = 'due') AS due
    FROM task_changes WHERE ts < {to} GROUP BY task)
SELECT t.id, t.project, t.created_at, t.conversation,
       coalesce(ch.status, t.status) AS status,
       coalesce(ch.status_at, t.created_at) AS status_at,
       CASE WHEN ch.reassigned THEN ch.assignee::INTEGER ELSE t.assignee END AS assignee,
       CASE WHEN ch.due_moved THEN ch.due::DATE ELSE t.due END AS due,
       greatest(t.created_at, coalesce(ch.last_change, t.created_at), coalesce(c.last_at, t.created_at))
           AS last_activity
FROM tasks t
LEFT JOIN ch ON ch.task = t.id
LEFT JOIN conv c ON c.conversation = t.conversation
WHERE t.created_at < {to};
CREATE OR REPLACE TEMP TABLE task_fig AS
WITH z AS (
    SELECT t.*, coalesce(pz.zid, (SELECT zid FROM zones WHERE zone = '{ws}')) AS zid, {to}::BIGINT AS to_at,
           t.status IN ('todo', 'in_progress', 'blocked') AS open,
           t.status = 'done' AND t.status_at >= {frm} AS done_in_window,
           epoch_us(timezone('{ws}', t.due::TIMESTAMP)) AS due_start,
           epoch_us(timezone('{ws}', (t.due + 1)::TIMESTAMP)) AS due_end
    FROM task_at t LEFT JOIN person_zone pz ON pz.idx = t.assignee),
a AS ({a}), b AS ({b}), c AS ({c}), d AS ({d})
SELECT id, project, assignee, open, created_at >= {frm} AS created_in_window, done_in_window,
       open AND c_to - c_last >= {stalled} AS stalled,
       due_start >= {frm} AND due_start < {to} AS due_in_window,
       status = 'done' AND status_at < due_end AS done_on_time,
       status_at - created_at AS cycle, c_done - c_created AS cycle_working
FROM d;
""".format(a=cum("z", "zid", "last_activity", "c_last"), b=cum("a", "zid", "to_at", "c_to"),
           c=cum("b", "zid", "created_at", "c_created"), d=cum("c", "zid", "status_at", "c_done"), **p)))
    stmts.append(("task figures", """
SELECT count(*) FILTER (created_in_window) AS tasks_created,
       count(*) FILTER (done_in_window) AS tasks_done,
       count(*) FILTER (open) AS tasks_open,
       count(*) FILTER (stalled) AS tasks_stalled,
       CASE WHEN count(*) FILTER (open) > 0
            THEN (count(*) FILTER (stalled))::DOUBLE / count(*) FILTER (open) END AS stall_rate,
       count(*) FILTER (due_in_window) AS tasks_due,
       count(*) FILTER (due_in_window AND done_on_time) AS tasks_done_on_time,
       CASE WHEN count(*) FILTER (due_in_window) > 0
            THEN (count(*) FILTER (due_in_window AND done_on_time))::DOUBLE / count(*) FILTER (due_in_window) END
           AS completion_rate,
       quantile_disc(cycle, 0.5) FILTER (done_in_window) // 1000000 AS cycle_median_s,
       quantile_disc(cycle, 0.9) FILTER (done_in_window) // 1000000 AS cycle_p90_s,
       quantile_disc(cycle_working, 0.5) FILTER (done_in_window) // 1000000 AS cycle_median_working_s,
       quantile_disc(cycle_working, 0.9) FILTER (done_in_window) // 1000000 AS cycle_p90_working_s
FROM task_fig;
""".format(**p)))
    # Collaborators: a response links the responder and the author of the turn answered.
    stmts.append(("members", """
WITH pairs AS (
    SELECT asker, responder, max(responded_at) AS last FROM resp
    WHERE responded_at >= least({frm}, {span_start}) GROUP BY asker, responder),
linked AS (
    SELECT a, b, max(last) AS last
    FROM (SELECT asker AS a, responder AS b, last FROM pairs UNION ALL SELECT responder, asker, last FROM pairs)
    GROUP BY a, b),
collab AS (
    SELECT a, count(*) FILTER (last >= {frm}) AS in_window, count(*) FILTER (last >= {span_start}) AS in_span
    FROM linked GROUP BY a),
authored AS (
    SELECT author, count(*) FILTER (ts >= {frm}) AS messages, bool_or(ts >= {span_start}) AS active
    FROM msg WHERE ts >= least({frm}, {span_start}) GROUP BY author),
members AS (
    SELECT row_number() OVER (ORDER BY p.handle) AS rank, coalesce(c.in_window, 0) AS collaborators,
           coalesce(m.messages, 0) AS messages, coalesce(m.active, false) AS active,
           coalesce(m.active, false) AND coalesce(c.in_span, 0) <= {imax} AS isolated
    FROM people p LEFT JOIN collab c ON c.a = p.idx LEFT JOIN authored m ON m.author = p.idx)
SELECT sum(messages) AS member_messages_sum, sum(collaborators) AS collaborators_sum,
       sum(rank * collaborators) AS collaborators_weighted,
       count(*) FILTER (collaborators = 0) AS members_without_collaborators,
       count(*) FILTER (active) AS isolation_active, count(*) FILTER (isolated) AS isolated,
       CASE WHEN count(*) FILTER (active) > 0
            THEN (count(*) FILTER (isolated))::DOUBLE / count(*) FILTER (active) END AS isolation_rate
FROM members;
""".format(**p)))
    # Lagging: stall rate, p90 working response time and completion rate per channel, project
    # and member, worst first. A task's thread belongs to its project(s), not to a channel.
    stmts.append(("lagging", """
CREATE OR REPLACE TEMP TABLE thread_project AS
SELECT DISTINCT conversation, project FROM task_at WHERE conversation IS NOT NULL;
CREATE OR REPLACE TEMP TABLE lag_rows AS
WITH win AS (SELECT conversation, responder, working FROM resp WHERE responded_at >= {frm}),
ch AS (
    SELECT 'channel' AS list, k.channel AS name, NULL::DOUBLE AS stall_rate,
           quantile_disc(w.working, 0.9) // 1000000 AS p90_working_s, NULL::DOUBLE AS completion_rate
    FROM win w JOIN conversations k ON k.idx = w.conversation
    WHERE NOT k.direct AND w.conversation NOT IN (SELECT conversation FROM thread_project)
    GROUP BY k.channel),
proj_tasks AS (
    SELECT project, count(*) FILTER (open) AS n_open, count(*) FILTER (stalled) AS n_stalled,
           count(*) FILTER (due_in_window) AS n_due, count(*) FILTER (due_in_window AND done_on_time) AS n_on_time
    FROM task_fig GROUP BY project),
proj_resp AS (
    SELECT tp.project, quantile_disc(w.working, 0.9) // 1000000 AS p90
    FROM win w JOIN thread_project tp ON tp.conversation = w.conversation GROUP BY tp.project),
proj AS (
    SELECT 'project' AS list, coalesce(t.project, r.project) AS name,
           CASE WHEN t.n_open > 0 THEN t.n_stalled::DOUBLE / t.n_open END AS stall_rate,
           r.p90 AS p90_working_s,
           CASE WHEN t.n_due > 0 THEN t.n_on_time::DOUBLE / t.n_due END AS completion_rate
    FROM proj_tasks t FULL JOIN proj_resp r ON r.project = t.project),
member_tasks AS (
    SELECT assignee, count(*) FILTER (open) AS n_open, count(*) FILTER (stalled) AS n_stalled,
           count(*) FILTER (due_in_window) AS n_due, count(*) FILTER (due_in_window AND done_on_time) AS n_on_time
    FROM task_fig WHERE assignee IS NOT NULL GROUP BY assignee),
member_resp AS (SELECT responder, quantile_disc(working, 0.9) // 1000000 AS p90 FROM win GROUP BY responder),
mem AS (
    SELECT 'member' AS list, p.handle AS name,
           CASE WHEN t.n_open > 0 THEN t.n_stalled::DOUBLE / t.n_open END AS stall_rate,
           r.p90 AS p90_working_s,
           CASE WHEN t.n_due > 0 THEN t.n_on_time::DOUBLE / t.n_due END AS completion_rate
    FROM people p LEFT JOIN member_tasks t ON t.assignee = p.idx LEFT JOIN member_resp r ON r.responder = p.idx)
SELECT list, name, stall_rate, p90_working_s, completion_rate,
       row_number() OVER (PARTITION BY list ORDER BY stall_rate DESC NULLS LAST, p90_working_s DESC NULLS LAST,
                                                      completion_rate ASC NULLS LAST, name) AS rank
FROM (SELECT * FROM ch UNION ALL SELECT * FROM proj UNION ALL SELECT * FROM mem)
WHERE stall_rate IS NOT NULL OR p90_working_s IS NOT NULL OR completion_rate IS NOT NULL;
SELECT list, count(*) AS n_rows, list(name ORDER BY rank) FILTER (rank <= 5) AS first,
       coalesce(sum(p90_working_s), 0) AS p90_sum, coalesce(sum(stall_rate), 0) AS stall_sum,
       coalesce(sum(completion_rate), 0) AS completion_sum
FROM lag_rows GROUP BY list ORDER BY list;
""".format(**p)))
    return stmts


def run_duckdb(data, runs, threads, working, frm, to):
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"PRAGMA threads={threads}")
    started = time.perf_counter()
    con.execute(LOAD.format(d=data))
    load_s = time.perf_counter() - started
    stmts = metric_sql(frm, to, working)
    totals, per_stage, metrics = [], {}, {}
    for _ in range(runs):
        results = {}
        total = 0.0
        for name, sql in stmts:
            t0 = time.perf_counter()
            # Every statement runs to completion and its result is fetched inside the timing.
            rows, cols = None, None
            for stmt in [s for s in sql.split(";") if s.strip()]:
                cur = con.execute(stmt)
                if not stmt.lstrip().upper().startswith("CREATE"):
                    cols = [c[0] for c in cur.description]
                    rows = cur.fetchall()
            elapsed = time.perf_counter() - t0
            total += elapsed
            per_stage[name] = min(per_stage.get(name, math.inf), elapsed)
            results[name] = (cols, rows)
        totals.append(total)
        metrics = results
        con.execute("DROP TABLE IF EXISTS msg; DROP TABLE IF EXISTS resp; DROP TABLE IF EXISTS conv;")
    flat = {}
    for name, (cols, rows) in metrics.items():
        if rows is None:
            continue
        if name == "lagging":
            for row in rows:
                rec = dict(zip(cols, row))
                flat[f"lagging_{rec['list']}s"] = {
                    "rows": rec["n_rows"], "first": rec["first"], "p90_working_s_sum": int(rec["p90_sum"]),
                    "stall_rate_sum": float(rec["stall_sum"]), "completion_rate_sum": float(rec["completion_sum"]),
                }
            continue
        for col, value in zip(cols, rows[0]):
            flat[col] = value
    for key in ("lagging_channels", "lagging_projects", "lagging_members"):
        flat.setdefault(key, {"rows": 0, "first": [], "p90_working_s_sum": 0, "stall_rate_sum": 0.0,
                              "completion_rate_sum": 0.0})
    sorted_totals = sorted(totals)
    return {
        "side": "duckdb",
        "duckdb_version": duckdb.__version__,
        "threads": con.execute("SELECT current_setting('threads')").fetchone()[0],
        "load_s": load_s,
        "report_s": {"min": sorted_totals[0], "median": sorted_totals[len(totals) // 2], "runs": totals},
        "stages_s": per_stage,
        "metrics": {k: normalize(v) for k, v in flat.items()},
    }


def normalize(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value
    if hasattr(value, "__int__") and not isinstance(value, float):
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    return value


def same(a, b, path=""):
    """Differences between two metric trees: exact for integers, names and nulls; 1e-9 for rates."""
    diffs = []
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                diffs.append(f"{path}{key}: only on one side ({a.get(key, '—')} vs {b.get(key, '—')})")
            else:
                diffs += same(a[key], b[key], f"{path}{key}.")
    elif isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
            diffs.append(f"{path[:-1]}: {a} vs {b}")
    elif a != b:
        diffs.append(f"{path[:-1]}: {a} vs {b}")
    return diffs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, help="data directory (default /tmp/baton-bench-insights/m<N>)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (default: all cores)")
    parser.add_argument("--working", choices=["day", "asof"], default="day",
                        help="how the SQL looks working time up: equality join on (zone, UTC day), or ASOF join")
    parser.add_argument("--from", dest="window_from", default="2025-01-01T00:00:00Z",
                        help="window start (default: the generated year's start)")
    parser.add_argument("--to", dest="window_to", default="2026-01-01T00:00:00Z",
                        help="window end, exclusive (default: the generated year's end)")
    parser.add_argument("--no-build", action="store_true", help="use the binaries already built")
    parser.add_argument("--json", type=Path, help="also write both sides' results here")
    args = parser.parse_args()
    ensure_duckdb()
    data = args.data or Path(f"/tmp/baton-bench-insights/m{args.messages}")

    if not args.no_build:
        build()
    generate(args.messages, data, args.seed)
    frm, to = instant(args.window_from), instant(args.window_to)
    baton = run_baton(data, args.runs, True, frm, to)
    duck = run_duckdb(data, args.runs, args.threads, args.working, frm, to)

    diffs = same(baton["metrics"], duck["metrics"])
    print(f"data: {data} ({args.messages:,} messages), window [{rfc3339(frm)}, {rfc3339(to)})")
    print(f"metrics: {json.dumps(baton['metrics'], sort_keys=True)}")
    print(f"DuckDB {duck['duckdb_version']}, {duck['threads']} threads, working time by {args.working} join: load {duck['load_s']:.2f} s; "
          f"metrics min {duck['report_s']['min']:.3f} s, median {duck['report_s']['median']:.3f} s")
    for name, secs in duck["stages_s"].items():
        print(f"    {name:<18} {secs:.3f} s")
    print(f"Baton (both cores): load {baton['load_s']:.2f} s; full report min {baton['report_s']['min']:.3f} s, "
          f"median {baton['report_s']['median']:.3f} s")
    for name, secs in baton.get("stages_s", {}).items():
        print(f"    {name:<62} {secs:,}" if isinstance(secs, int) else f"    {name:<62} {secs:.3f} s")
    if diffs:
        print("NUMBERS DIFFER:")
        for d in diffs:
            print("    " + d)
    else:
        print("numbers match (counts and floored seconds exactly, rates within 1e-9)")
    ratio = duck["report_s"]["min"] / baton["report_s"]["min"]
    if ratio >= 1:
        print(f"Baton is {ratio:.2f}x faster than DuckDB")
    else:
        print(f"Baton is {1 / ratio:.2f}x slower than DuckDB ({ratio:.2f}x as fast)")
    if args.json:
        args.json.write_text(json.dumps({"baton": baton, "duckdb": duck, "diffs": diffs}, indent=2, default=str))
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
