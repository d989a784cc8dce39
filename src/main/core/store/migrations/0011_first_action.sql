-- Time to first action: milliseconds from an attempt's start to its solver's first command in
-- the container (the start-up, set-up and network cut a solver waits through). NULL for a
-- solver that never acted, and for attempts recorded before this existed.
ALTER TABLE attempts ADD COLUMN first_action_ms INTEGER;
