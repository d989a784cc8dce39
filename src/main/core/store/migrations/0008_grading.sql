-- Grading a solver cannot tamper with: both gradings of an attempt (in the solver's container
-- and in a clean one) and whether they differ; what the solver changed outside the repository
-- and the processes it left running when grading began; a CLI agent's own token count, kept
-- beside the metering proxy's (which is authoritative).
ALTER TABLE attempts ADD COLUMN grading_json TEXT;
ALTER TABLE attempts ADD COLUMN outside_changes_json TEXT;
ALTER TABLE attempts ADD COLUMN processes_left_json TEXT;
ALTER TABLE attempts ADD COLUMN agent_usage_json TEXT;
