-- An attempt's large outputs (its patch, its decision, its grader log) move to their own table.
-- In a row of `attempts` they sat between the small columns, and SQLite reaches a column only
-- by walking the row's overflow pages before it: listing a run's attempts read every patch of
-- the run (about 60 ms for 1,488 attempts with patches of a few kB, against 2 ms without).
-- Rows are made for attempts that have any output; the outputs go with their attempt.
CREATE TABLE attempt_outputs (
  attempt_id    TEXT PRIMARY KEY REFERENCES attempts(id) ON DELETE CASCADE,
  patch         TEXT,
  decision_json TEXT,
  grader_json   TEXT
) STRICT;

INSERT INTO attempt_outputs (attempt_id, patch, decision_json, grader_json)
  SELECT id, patch, decision_json, grader_json FROM attempts
  WHERE patch IS NOT NULL OR decision_json IS NOT NULL OR grader_json IS NOT NULL;

ALTER TABLE attempts DROP COLUMN patch;
ALTER TABLE attempts DROP COLUMN decision_json;
ALTER TABLE attempts DROP COLUMN grader_json;
