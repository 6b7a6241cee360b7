-- Store schema version 2: bodies kept once per recording. An exchange whose body equals one the
-- recorder stored before (the same dashboard page, the same agent list) points at that row
-- instead of holding another copy, so capture keeps up with busy, repetitive traffic. Readers
-- take the body from exchanges.request_body / response_body when set, else from the row its
-- *_body_ref names.
CREATE TABLE bodies (
  id            INTEGER PRIMARY KEY,
  recording_id  INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
  data          BLOB NOT NULL
);
CREATE INDEX bodies_by_recording ON bodies(recording_id);

-- Plain integers, not foreign keys: a recording's exchanges and bodies go together (both cascade
-- from recordings), and a foreign key here would make every delete scan the exchanges.
ALTER TABLE exchanges ADD COLUMN request_body_ref INTEGER;
ALTER TABLE exchanges ADD COLUMN response_body_ref INTEGER;
