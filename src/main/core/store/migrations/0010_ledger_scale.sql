-- The ledger at scale (a team's store: 100,000 attempts, 10 million log lines). Three changes:
-- each run's tally is kept as attempts change instead of recounted over every attempt on each
-- read; the run list reads a covering index instead of every run's row (whose manifest, with an
-- image per task, runs to hundreds of kB in overflow pages); log lines stop repeating their
-- attempt's id (in the row and again in the index), which made the log table twice its text.

-- 1. Tallies, one row per run, kept by triggers so that every writer (the engine, imports, tests
-- writing SQL) keeps them right. They count what RunRepo.tally always counted: the tries that
-- count (retried = 0), and for usage every try (a retried try's tokens were paid for too).
CREATE TABLE run_tallies (
  run_id           TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  tasks            INTEGER NOT NULL DEFAULT 0,
  attempts         INTEGER NOT NULL DEFAULT 0,
  passed           INTEGER NOT NULL DEFAULT 0,
  failed           INTEGER NOT NULL DEFAULT 0,
  timeout          INTEGER NOT NULL DEFAULT 0,
  error            INTEGER NOT NULL DEFAULT 0,
  cancelled        INTEGER NOT NULL DEFAULT 0,
  pending          INTEGER NOT NULL DEFAULT 0,
  earned           REAL NOT NULL DEFAULT 0,
  available        REAL NOT NULL DEFAULT 0,
  -- Tries with a usage_json; none means the run has no usage (gold, null, predictions).
  usage_tries      INTEGER NOT NULL DEFAULT 0,
  -- REAL, not INTEGER: a usage's numbers are summed as they come, whole or not.
  requests         REAL NOT NULL DEFAULT 0,
  input_tokens     REAL NOT NULL DEFAULT 0,
  cached_tokens    REAL NOT NULL DEFAULT 0,
  output_tokens    REAL NOT NULL DEFAULT 0,
  reasoning_tokens REAL NOT NULL DEFAULT 0,
  cost_usd         REAL NOT NULL DEFAULT 0,
  estimated_tries  INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

CREATE TRIGGER runs_tally_row AFTER INSERT ON runs BEGIN
  INSERT INTO run_tallies (run_id) VALUES (new.id);
END;

-- A new try adds what it counts. `tasks` counts distinct tasks among the tries that count: it
-- grows when this try is the first counted one of its task (looked up through the unique index
-- on run_id, question_id, ...).
CREATE TRIGGER attempts_tally_insert AFTER INSERT ON attempts BEGIN
  UPDATE run_tallies SET
    tasks = tasks + (new.retried = 0 AND NOT EXISTS (SELECT 1 FROM attempts a
      WHERE a.run_id = new.run_id AND a.question_id = new.question_id AND a.retried = 0 AND a.id <> new.id)),
    attempts = attempts + (new.retried = 0),
    passed = passed + (new.retried = 0 AND new.state = 'passed'),
    failed = failed + (new.retried = 0 AND new.state = 'failed'),
    timeout = timeout + (new.retried = 0 AND new.state = 'timeout'),
    error = error + (new.retried = 0 AND new.state = 'error'),
    cancelled = cancelled + (new.retried = 0 AND new.state = 'cancelled'),
    pending = pending + (new.retried = 0 AND new.state NOT IN ('passed', 'failed', 'timeout', 'error', 'cancelled')),
    earned = earned + iif(new.retried = 0, new.earned, 0),
    available = available + iif(new.retried = 0, new.price, 0),
    usage_tries = usage_tries + (json_valid(new.usage_json) IS 1),
    requests = requests + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.requests'), 0), 0),
    input_tokens = input_tokens + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.inputTokens'), 0), 0),
    cached_tokens = cached_tokens + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.cachedTokens'), 0), 0),
    output_tokens = output_tokens + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.outputTokens'), 0), 0),
    reasoning_tokens = reasoning_tokens + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.reasoningTokens'), 0), 0),
    cost_usd = cost_usd + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.costUsd'), 0), 0),
    estimated_tries = estimated_tries + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.estimated'), 0) IS 1, 0)
  WHERE run_id = new.run_id;
END;

-- A removed try (its run deleted, say) takes back what it counted; its task stops counting when
-- no counted try of it is left.
CREATE TRIGGER attempts_tally_delete AFTER DELETE ON attempts BEGIN
  UPDATE run_tallies SET
    tasks = tasks - (old.retried = 0 AND NOT EXISTS (SELECT 1 FROM attempts a
      WHERE a.run_id = old.run_id AND a.question_id = old.question_id AND a.retried = 0)),
    attempts = attempts - (old.retried = 0),
    passed = passed - (old.retried = 0 AND old.state = 'passed'),
    failed = failed - (old.retried = 0 AND old.state = 'failed'),
    timeout = timeout - (old.retried = 0 AND old.state = 'timeout'),
    error = error - (old.retried = 0 AND old.state = 'error'),
    cancelled = cancelled - (old.retried = 0 AND old.state = 'cancelled'),
    pending = pending - (old.retried = 0 AND old.state NOT IN ('passed', 'failed', 'timeout', 'error', 'cancelled')),
    earned = earned - iif(old.retried = 0, old.earned, 0),
    available = available - iif(old.retried = 0, old.price, 0),
    usage_tries = usage_tries - (json_valid(old.usage_json) IS 1),
    requests = requests - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.requests'), 0), 0),
    input_tokens = input_tokens - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.inputTokens'), 0), 0),
    cached_tokens = cached_tokens - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.cachedTokens'), 0), 0),
    output_tokens = output_tokens - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.outputTokens'), 0), 0),
    reasoning_tokens = reasoning_tokens - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.reasoningTokens'), 0), 0),
    cost_usd = cost_usd - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.costUsd'), 0), 0),
    estimated_tries = estimated_tries - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.estimated'), 0) IS 1, 0)
  WHERE run_id = old.run_id;
END;

-- A changed try within its run (the usual case: a state, an outcome, a retry, usage) adds the
-- difference. Each difference is computed before it is added, so an unchanged value adds exactly
-- 0 and the sums of dollars do not drift as the state moves through its phases. Its task stops
-- counting when the try leaves it (retried, or another question) and none is left; it starts
-- counting when the try joins it and is its only counted one.
CREATE TRIGGER attempts_tally_update AFTER UPDATE OF run_id, question_id, retried, state, price, earned, usage_json ON attempts
WHEN old.run_id = new.run_id BEGIN
  UPDATE run_tallies SET
    tasks = tasks
      + (new.retried = 0 AND (old.retried <> 0 OR old.question_id IS NOT new.question_id) AND NOT EXISTS (SELECT 1 FROM attempts a
          WHERE a.run_id = new.run_id AND a.question_id = new.question_id AND a.retried = 0 AND a.id <> new.id))
      - (old.retried = 0 AND (new.retried <> 0 OR old.question_id IS NOT new.question_id) AND NOT EXISTS (SELECT 1 FROM attempts a
          WHERE a.run_id = old.run_id AND a.question_id = old.question_id AND a.retried = 0)),
    attempts = attempts + ((new.retried = 0) - (old.retried = 0)),
    passed = passed + ((new.retried = 0 AND new.state = 'passed') - (old.retried = 0 AND old.state = 'passed')),
    failed = failed + ((new.retried = 0 AND new.state = 'failed') - (old.retried = 0 AND old.state = 'failed')),
    timeout = timeout + ((new.retried = 0 AND new.state = 'timeout') - (old.retried = 0 AND old.state = 'timeout')),
    error = error + ((new.retried = 0 AND new.state = 'error') - (old.retried = 0 AND old.state = 'error')),
    cancelled = cancelled + ((new.retried = 0 AND new.state = 'cancelled') - (old.retried = 0 AND old.state = 'cancelled')),
    pending = pending + ((new.retried = 0 AND new.state NOT IN ('passed', 'failed', 'timeout', 'error', 'cancelled'))
      - (old.retried = 0 AND old.state NOT IN ('passed', 'failed', 'timeout', 'error', 'cancelled'))),
    earned = earned + (iif(new.retried = 0, new.earned, 0) - iif(old.retried = 0, old.earned, 0)),
    available = available + (iif(new.retried = 0, new.price, 0) - iif(old.retried = 0, old.price, 0)),
    usage_tries = usage_tries + ((json_valid(new.usage_json) IS 1) - (json_valid(old.usage_json) IS 1)),
    requests = requests + iif(old.usage_json IS new.usage_json, 0,
      iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.requests'), 0), 0) - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.requests'), 0), 0)),
    input_tokens = input_tokens + iif(old.usage_json IS new.usage_json, 0,
      iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.inputTokens'), 0), 0) - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.inputTokens'), 0), 0)),
    cached_tokens = cached_tokens + iif(old.usage_json IS new.usage_json, 0,
      iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.cachedTokens'), 0), 0) - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.cachedTokens'), 0), 0)),
    output_tokens = output_tokens + iif(old.usage_json IS new.usage_json, 0,
      iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.outputTokens'), 0), 0) - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.outputTokens'), 0), 0)),
    reasoning_tokens = reasoning_tokens + iif(old.usage_json IS new.usage_json, 0,
      iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.reasoningTokens'), 0), 0) - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.reasoningTokens'), 0), 0)),
    cost_usd = cost_usd + iif(old.usage_json IS new.usage_json, 0,
      iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.costUsd'), 0), 0) - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.costUsd'), 0), 0)),
    estimated_tries = estimated_tries + iif(old.usage_json IS new.usage_json, 0,
      iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.estimated'), 0) IS 1, 0) - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.estimated'), 0) IS 1, 0))
  WHERE run_id = new.run_id;
END;

-- A try moved to another run (nothing does this today): out of the old run's tally, into the new.
CREATE TRIGGER attempts_tally_move AFTER UPDATE OF run_id ON attempts
WHEN old.run_id IS NOT new.run_id BEGIN
  UPDATE run_tallies SET
    tasks = tasks - (old.retried = 0 AND NOT EXISTS (SELECT 1 FROM attempts a
      WHERE a.run_id = old.run_id AND a.question_id = old.question_id AND a.retried = 0)),
    attempts = attempts - (old.retried = 0),
    passed = passed - (old.retried = 0 AND old.state = 'passed'),
    failed = failed - (old.retried = 0 AND old.state = 'failed'),
    timeout = timeout - (old.retried = 0 AND old.state = 'timeout'),
    error = error - (old.retried = 0 AND old.state = 'error'),
    cancelled = cancelled - (old.retried = 0 AND old.state = 'cancelled'),
    pending = pending - (old.retried = 0 AND old.state NOT IN ('passed', 'failed', 'timeout', 'error', 'cancelled')),
    earned = earned - iif(old.retried = 0, old.earned, 0),
    available = available - iif(old.retried = 0, old.price, 0),
    usage_tries = usage_tries - (json_valid(old.usage_json) IS 1),
    requests = requests - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.requests'), 0), 0),
    input_tokens = input_tokens - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.inputTokens'), 0), 0),
    cached_tokens = cached_tokens - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.cachedTokens'), 0), 0),
    output_tokens = output_tokens - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.outputTokens'), 0), 0),
    reasoning_tokens = reasoning_tokens - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.reasoningTokens'), 0), 0),
    cost_usd = cost_usd - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.costUsd'), 0), 0),
    estimated_tries = estimated_tries - iif(json_valid(old.usage_json), coalesce(json_extract(old.usage_json, '$.estimated'), 0) IS 1, 0)
  WHERE run_id = old.run_id;
  UPDATE run_tallies SET
    tasks = tasks + (new.retried = 0 AND NOT EXISTS (SELECT 1 FROM attempts a
      WHERE a.run_id = new.run_id AND a.question_id = new.question_id AND a.retried = 0 AND a.id <> new.id)),
    attempts = attempts + (new.retried = 0),
    passed = passed + (new.retried = 0 AND new.state = 'passed'),
    failed = failed + (new.retried = 0 AND new.state = 'failed'),
    timeout = timeout + (new.retried = 0 AND new.state = 'timeout'),
    error = error + (new.retried = 0 AND new.state = 'error'),
    cancelled = cancelled + (new.retried = 0 AND new.state = 'cancelled'),
    pending = pending + (new.retried = 0 AND new.state NOT IN ('passed', 'failed', 'timeout', 'error', 'cancelled')),
    earned = earned + iif(new.retried = 0, new.earned, 0),
    available = available + iif(new.retried = 0, new.price, 0),
    usage_tries = usage_tries + (json_valid(new.usage_json) IS 1),
    requests = requests + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.requests'), 0), 0),
    input_tokens = input_tokens + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.inputTokens'), 0), 0),
    cached_tokens = cached_tokens + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.cachedTokens'), 0), 0),
    output_tokens = output_tokens + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.outputTokens'), 0), 0),
    reasoning_tokens = reasoning_tokens + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.reasoningTokens'), 0), 0),
    cost_usd = cost_usd + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.costUsd'), 0), 0),
    estimated_tries = estimated_tries + iif(json_valid(new.usage_json), coalesce(json_extract(new.usage_json, '$.estimated'), 0) IS 1, 0)
  WHERE run_id = new.run_id;
END;

-- The tallies of the runs already stored, counted once here.
INSERT INTO run_tallies (run_id, tasks, attempts, passed, failed, timeout, error, cancelled, pending, earned, available,
    usage_tries, requests, input_tokens, cached_tokens, output_tokens, reasoning_tokens, cost_usd, estimated_tries)
  SELECT r.id,
    (SELECT count(DISTINCT a.question_id) FROM attempts a WHERE a.run_id = r.id AND a.retried = 0),
    coalesce(sum(a.retried = 0), 0),
    coalesce(sum(a.retried = 0 AND a.state = 'passed'), 0),
    coalesce(sum(a.retried = 0 AND a.state = 'failed'), 0),
    coalesce(sum(a.retried = 0 AND a.state = 'timeout'), 0),
    coalesce(sum(a.retried = 0 AND a.state = 'error'), 0),
    coalesce(sum(a.retried = 0 AND a.state = 'cancelled'), 0),
    coalesce(sum(a.retried = 0 AND a.state NOT IN ('passed', 'failed', 'timeout', 'error', 'cancelled')), 0),
    coalesce(sum(iif(a.retried = 0, a.earned, 0)), 0),
    coalesce(sum(iif(a.retried = 0, a.price, 0)), 0),
    coalesce(sum(json_valid(a.usage_json) IS 1), 0),
    coalesce(sum(iif(json_valid(a.usage_json), coalesce(json_extract(a.usage_json, '$.requests'), 0), 0)), 0),
    coalesce(sum(iif(json_valid(a.usage_json), coalesce(json_extract(a.usage_json, '$.inputTokens'), 0), 0)), 0),
    coalesce(sum(iif(json_valid(a.usage_json), coalesce(json_extract(a.usage_json, '$.cachedTokens'), 0), 0)), 0),
    coalesce(sum(iif(json_valid(a.usage_json), coalesce(json_extract(a.usage_json, '$.outputTokens'), 0), 0)), 0),
    coalesce(sum(iif(json_valid(a.usage_json), coalesce(json_extract(a.usage_json, '$.reasoningTokens'), 0), 0)), 0),
    coalesce(sum(iif(json_valid(a.usage_json), coalesce(json_extract(a.usage_json, '$.costUsd'), 0), 0)), 0),
    coalesce(sum(iif(json_valid(a.usage_json), coalesce(json_extract(a.usage_json, '$.estimated'), 0) IS 1, 0)), 0)
  FROM runs r LEFT JOIN attempts a ON a.run_id = r.id
  GROUP BY r.id;

-- 2. The run list (and the start-up's search for runs a dead process left) from this index alone:
-- every column it reads sits after manifest_json in the row, so reading them from the table walks
-- each run's manifest through its overflow pages.
CREATE INDEX runs_listing ON runs (created_at, id, status, dataset_id, concurrency, finished_at, waiting, owner_pid, solver_json);

-- The live tries, found at start-up (orphans, the reaper) without reading every attempt.
CREATE INDEX attempts_live ON attempts (state) WHERE state IN ('starting', 'setup', 'solving', 'grading');

-- Which attempts use an artifact: the foreign key from attempt_artifacts needs it to delete an
-- artifact row without reading every link, and the disk usage's per-run sharing asks it too.
CREATE INDEX attempt_artifacts_by_sha ON attempt_artifacts (sha256);

-- 3. Log lines keyed by a small integer per attempt instead of its id (~40 bytes) on every line
-- and again in the index. The index is on `log` alone: SQLite appends the rowid (the line's id)
-- to every index entry, so (log) orders and ranges by id as (log, id) did, without storing the id
-- twice.
CREATE TABLE log_attempts (
  id         INTEGER PRIMARY KEY,
  attempt_id TEXT NOT NULL UNIQUE REFERENCES attempts(id) ON DELETE CASCADE
) STRICT;

CREATE TABLE log_lines (
  id    INTEGER PRIMARY KEY,
  log   INTEGER NOT NULL REFERENCES log_attempts(id) ON DELETE CASCADE,
  phase TEXT NOT NULL,
  at    TEXT NOT NULL,
  text  TEXT NOT NULL
) STRICT;

INSERT INTO log_attempts (attempt_id) SELECT DISTINCT attempt_id FROM attempt_logs ORDER BY attempt_id;
-- In id order, so the table is written front to back; lines keep their ids (a log view's cursor).
INSERT INTO log_lines (id, log, phase, at, text)
  SELECT l.id, k.id, l.phase, l.at, l.text FROM attempt_logs l JOIN log_attempts k ON k.attempt_id = l.attempt_id ORDER BY l.id;
-- Made after the copy: built by one sort, its pages full.
CREATE INDEX log_lines_by_log ON log_lines (log);
DROP TABLE attempt_logs;

-- The old table's shape, for SQL written against it (scripts, a sqlite3 shell): read, and insert.
CREATE VIEW attempt_logs (id, attempt_id, phase, at, text) AS
  SELECT l.id, k.attempt_id, l.phase, l.at, l.text FROM log_lines l JOIN log_attempts k ON k.id = l.log;

CREATE TRIGGER attempt_logs_insert INSTEAD OF INSERT ON attempt_logs BEGIN
  INSERT OR IGNORE INTO log_attempts (attempt_id) VALUES (new.attempt_id);
  INSERT INTO log_lines (id, log, phase, at, text)
    VALUES (new.id, (SELECT id FROM log_attempts WHERE attempt_id = new.attempt_id), new.phase, new.at, new.text);
END;
