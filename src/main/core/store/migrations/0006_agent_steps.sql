-- Model agents: what each attempt spent (as the metering proxy counted it) and why the agent
-- stopped, and the agent's transcript, one row per step. Large observations live in the
-- artifact store (observation_sha256); the row keeps a preview.
ALTER TABLE attempts ADD COLUMN usage_json TEXT;
ALTER TABLE attempts ADD COLUMN stop_reason TEXT;

CREATE TABLE agent_steps (
  attempt_id         TEXT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
  idx                INTEGER NOT NULL,
  at                 TEXT NOT NULL,
  kind               TEXT NOT NULL CHECK (kind IN ('model', 'tool', 'user_tool', 'note')),
  message            TEXT,
  tool_call_json     TEXT,
  observation        TEXT,
  observation_bytes  INTEGER,
  observation_sha256 TEXT,
  exit_code          INTEGER,
  duration_ms        INTEGER NOT NULL,
  usage_json         TEXT,
  cost_usd           REAL,
  fallback           INTEGER NOT NULL DEFAULT 0,
  note               TEXT,
  PRIMARY KEY (attempt_id, idx)
) STRICT;
