-- Clusters the workbench can run attempts on (Docker Swarm), by a name the user chose. The
-- manager's address and the folder of the client's TLS certificates; never the keys themselves.
CREATE TABLE clusters (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('swarm')),
  manager TEXT NOT NULL,
  tls_dir TEXT,
  created_at TEXT NOT NULL
);

-- The cluster node (its hostname) an attempt's container ran on; NULL on the local daemon.
ALTER TABLE attempts ADD COLUMN node TEXT;
