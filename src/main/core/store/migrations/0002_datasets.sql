-- Datasets are versioned by content: a changed CSV (or issues folder) becomes a new version,
-- and tasks keep stable ids (dataset + question_id) across versions.
CREATE TABLE datasets (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE dataset_versions (
  id            INTEGER PRIMARY KEY,
  dataset_id    TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  version       INTEGER NOT NULL,
  -- sha256 of the CSV bytes and of the linked issue folders; together they identify a version.
  content_hash  TEXT NOT NULL,
  csv_hash      TEXT NOT NULL,
  issues_hash   TEXT,
  schema        TEXT NOT NULL CHECK (schema IN ('current', 'legacy')),
  source_path   TEXT NOT NULL,
  issues_dir    TEXT,
  columns_json  TEXT NOT NULL,
  extra_columns_json TEXT NOT NULL,
  skipped_json  TEXT NOT NULL,
  imported_at   TEXT NOT NULL,
  UNIQUE (dataset_id, version),
  UNIQUE (dataset_id, content_hash)
) STRICT;

CREATE TABLE tasks (
  version_id          INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
  question_id         TEXT NOT NULL,
  row_number          INTEGER NOT NULL,
  variant             TEXT NOT NULL CHECK (variant IN ('ic_swe', 'swe_manager')),
  price               REAL NOT NULL,
  price_limit         INTEGER,
  set_name            TEXT,
  title               TEXT NOT NULL,
  description         TEXT NOT NULL,
  search_text         TEXT NOT NULL,
  cwd                 TEXT,
  manager_commit      TEXT,
  acceptable_folders_json TEXT NOT NULL,
  manager_data_json   TEXT,
  proposals_json      TEXT NOT NULL,
  proposal_count      INTEGER NOT NULL,
  correct_proposal_id INTEGER,
  prompt_json         TEXT,
  extra_json          TEXT NOT NULL,
  issue_json          TEXT,
  has_tests           INTEGER NOT NULL,
  PRIMARY KEY (version_id, question_id)
) STRICT;

CREATE TABLE task_sets (
  name          TEXT PRIMARY KEY,
  task_ids_json TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
) STRICT;
