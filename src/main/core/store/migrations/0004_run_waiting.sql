-- Why a running run is waiting (the Docker daemon stopped answering), so every window and CLI
-- reading this ledger can show it; NULL while the run is not waiting.
ALTER TABLE runs ADD COLUMN waiting TEXT;
