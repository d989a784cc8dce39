-- When a run last used each image, for the disk budget: the least recently used official images
-- that no unfinished run needs are removed first. Keyed by name (repo:tag), since a re-pulled
-- image keeps its name and its history of use. An image never used falls back to its creation
-- time, so it needs no row.
CREATE TABLE image_use (
  image        TEXT PRIMARY KEY,
  last_used_at TEXT NOT NULL
) STRICT;
