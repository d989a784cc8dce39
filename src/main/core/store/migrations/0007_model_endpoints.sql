-- Named model endpoints: where agents' model calls go and what their tokens cost. The API key is
-- never here: key_source says where it comes from, key_env holds only an environment variable's
-- NAME, and a stored key lives in the secret store (secrets/ folder or the OS keychain).
CREATE TABLE model_endpoints (
  name                     TEXT PRIMARY KEY,
  base_url                 TEXT NOT NULL,
  model                    TEXT NOT NULL,
  protocol                 TEXT NOT NULL CHECK (protocol IN ('official', 'tools')),
  price_input_per_m        REAL NOT NULL DEFAULT 0 CHECK (price_input_per_m >= 0),
  price_cached_input_per_m REAL NOT NULL DEFAULT 0 CHECK (price_cached_input_per_m >= 0),
  price_output_per_m       REAL NOT NULL DEFAULT 0 CHECK (price_output_per_m >= 0),
  context_tokens           INTEGER,
  -- temperature, reasoningEffort, maxTokens: a JSON object, so a parameter added later needs no migration.
  params_json              TEXT NOT NULL DEFAULT '{}',
  key_source               TEXT NOT NULL CHECK (key_source IN ('env', 'stored', 'none')),
  key_env                  TEXT,
  created_at               TEXT NOT NULL,
  updated_at               TEXT NOT NULL,
  CHECK ((key_source = 'env') = (key_env IS NOT NULL))
) STRICT;
