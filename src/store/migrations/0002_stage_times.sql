-- zrsign store, version 2: stage times for the status API and the explorer.
-- When the responder had a request's answer ready (derived key or signature), and when a broadcast was first
-- seen mined on its destination (unix milliseconds).
ALTER TABLE requests ADD COLUMN signed_at INTEGER;
ALTER TABLE broadcasts ADD COLUMN mined_at INTEGER;
