-- The run ledger. SQLite is the truth: the queue is the set of 'queued' attempts, and a run
-- survives a crash because every state change is written before it is acted on.
CREATE TABLE runs (
  id            TEXT PRIMARY KEY,
  status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'cancelled', 'finished')),
  dataset_id    TEXT NOT NULL,
  version_id    INTEGER NOT NULL REFERENCES dataset_versions(id),
  solver_json   TEXT NOT NULL,
  manifest_json TEXT NOT NULL,
  concurrency   INTEGER NOT NULL,
  max_retries   INTEGER NOT NULL,
  owner_pid     INTEGER,
  created_at    TEXT NOT NULL,
  finished_at   TEXT
) STRICT;

CREATE TABLE attempts (
  id            TEXT PRIMARY KEY,
  run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  question_id   TEXT NOT NULL,
  attempt_index INTEGER NOT NULL,
  try_index     INTEGER NOT NULL,
  retried       INTEGER NOT NULL DEFAULT 0,
  state         TEXT NOT NULL CHECK (state IN ('queued', 'starting', 'setup', 'solving', 'grading',
                  'passed', 'failed', 'timeout', 'error', 'cancelled')),
  phase         TEXT,
  image         TEXT NOT NULL,
  price         REAL NOT NULL,
  earned        REAL NOT NULL DEFAULT 0,
  owner_pid     INTEGER,
  container_id  TEXT,
  network_id    TEXT,
  queued_at     TEXT NOT NULL,
  started_at    TEXT,
  finished_at   TEXT,
  patch         TEXT,
  decision_json TEXT,
  grader_json   TEXT,
  error         TEXT,
  UNIQUE (run_id, question_id, attempt_index, try_index)
) STRICT;
CREATE INDEX attempts_by_run_state ON attempts (run_id, state);

CREATE TABLE attempt_phases (
  attempt_id TEXT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
  phase      TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at   TEXT,
  status     TEXT,
  PRIMARY KEY (attempt_id, phase)
) STRICT;

CREATE TABLE attempt_logs (
  id         INTEGER PRIMARY KEY,
  attempt_id TEXT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
  phase      TEXT NOT NULL,
  at         TEXT NOT NULL,
  text       TEXT NOT NULL
) STRICT;
CREATE INDEX attempt_logs_by_attempt ON attempt_logs (attempt_id, id);

-- Large artifacts (videos, traces, logs) live as files named by their sha256 under the data
-- dir; rows here say which attempt uses which, so deleting a run frees what only it used.
CREATE TABLE artifacts (
  sha256 TEXT PRIMARY KEY,
  bytes  INTEGER NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE attempt_artifacts (
  attempt_id TEXT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('video', 'trace', 'log', 'patch')),
  name       TEXT NOT NULL,
  sha256     TEXT NOT NULL REFERENCES artifacts(sha256),
  PRIMARY KEY (attempt_id, name)
) STRICT;
