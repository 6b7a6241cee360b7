-- aria-harness store, schema version 1.
-- One SQLite file holds recordings, models and runs. Times named *_at are ISO 8601 UTC text
-- (readable in the sqlite3 shell); times named *_us are integers in microseconds (epoch for
-- instants, plain durations otherwise). Headers are JSON arrays of [name, value] pairs in wire
-- order. Later versions are numbered files beside this one (store-0002-<name>.sql, ...).

CREATE TABLE recordings (
  id            INTEGER PRIMARY KEY,
  label         TEXT NOT NULL DEFAULT '',
  source        TEXT NOT NULL CHECK (source IN ('proxy', 'har')),
  upstream      TEXT NOT NULL DEFAULT '',        -- URL of the recorded system
  listen        TEXT NOT NULL DEFAULT '',        -- address the recorder listened on
  visitor_rule  TEXT NOT NULL DEFAULT '',        -- how visitors were identified: cookie:NAME, header:NAME, credential, connection
  config        TEXT NOT NULL DEFAULT '{}',      -- JSON: redaction rules, body cap, tool version
  status        TEXT NOT NULL DEFAULT 'recording' CHECK (status IN ('recording', 'ended', 'interrupted')),
  started_at    TEXT NOT NULL,
  ended_at      TEXT,
  exchanges     INTEGER NOT NULL DEFAULT 0,      -- exchanges stored
  dropped       INTEGER NOT NULL DEFAULT 0,      -- exchanges lost because the writer fell behind
  bytes         INTEGER NOT NULL DEFAULT 0       -- request plus response body bytes seen
);

CREATE TABLE exchanges (
  id                      INTEGER PRIMARY KEY,
  recording_id            INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
  visitor                 TEXT NOT NULL,         -- visitor identity under the recording's rule
  connection_id           INTEGER NOT NULL,      -- client connection, unique within the recording
  seq                     INTEGER NOT NULL,      -- exchange number on that connection, from 1
  client_addr             TEXT NOT NULL DEFAULT '',
  started_us              INTEGER NOT NULL,      -- wall clock when the request line arrived
  ttfb_us                 INTEGER,               -- request start to first response byte
  total_us                INTEGER,               -- request start to last response byte
  method                  TEXT NOT NULL,
  scheme                  TEXT NOT NULL DEFAULT 'http',
  host                    TEXT NOT NULL DEFAULT '',
  path                    TEXT NOT NULL,
  query                   TEXT NOT NULL DEFAULT '',  -- raw query string without '?'
  http_version            TEXT NOT NULL DEFAULT '1.1',
  request_headers         TEXT NOT NULL DEFAULT '[]',
  request_body            BLOB,
  request_body_size       INTEGER NOT NULL DEFAULT 0,  -- size on the wire, before any truncation
  request_body_truncated  INTEGER NOT NULL DEFAULT 0,
  status                  INTEGER,               -- NULL when no response came
  response_headers        TEXT NOT NULL DEFAULT '[]',
  response_body           BLOB,
  response_body_size      INTEGER NOT NULL DEFAULT 0,
  response_body_truncated INTEGER NOT NULL DEFAULT 0,
  error                   TEXT                   -- why the exchange failed, NULL when it did not
);
CREATE INDEX exchanges_by_visitor ON exchanges(recording_id, visitor, started_us);

CREATE TABLE ws_messages (
  id           INTEGER PRIMARY KEY,
  exchange_id  INTEGER NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
  direction    TEXT NOT NULL CHECK (direction IN ('client', 'server')),
  at_us        INTEGER NOT NULL,
  opcode       TEXT NOT NULL CHECK (opcode IN ('text', 'binary', 'close')),
  payload      BLOB,
  size         INTEGER NOT NULL,
  truncated    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ws_messages_by_exchange ON ws_messages(exchange_id, at_us);

CREATE TABLE models (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL,
  source          TEXT NOT NULL CHECK (source IN ('builtin', 'file', 'synthesized')),
  format_version  INTEGER NOT NULL,
  recording_ids   TEXT NOT NULL DEFAULT '[]',    -- JSON array of the recordings it came from
  body            TEXT NOT NULL,                 -- the model, JSON per schemas/model.schema.json
  digest          TEXT NOT NULL,                 -- hash of body; equal models share one row
  created_at      TEXT NOT NULL,
  UNIQUE (digest)
);

CREATE TABLE runs (
  id                 INTEGER PRIMARY KEY,
  label              TEXT NOT NULL DEFAULT '',
  target             TEXT NOT NULL,              -- base URL replayed against
  model_id           INTEGER REFERENCES models(id),
  model_name         TEXT NOT NULL DEFAULT '',
  mode               TEXT NOT NULL CHECK (mode IN ('users', 'arrival', 'verbatim')),
  users              INTEGER NOT NULL DEFAULT 0,
  config             TEXT NOT NULL DEFAULT '{}', -- JSON: every replay option as given
  host_info          TEXT NOT NULL DEFAULT '{}', -- JSON: generator host, cores, tool version
  status             TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'aborted')),
  verdict            TEXT CHECK (verdict IN ('pass', 'fail')),
  thresholds         TEXT NOT NULL DEFAULT '[]', -- JSON: each threshold, its observed value and verdict
  unreliable         INTEGER NOT NULL DEFAULT 0, -- the generator saturated: figures are suspect
  unreliable_reason  TEXT,
  started_at         TEXT NOT NULL,
  ended_at           TEXT,
  started_us         INTEGER NOT NULL,
  duration_us        INTEGER
);
CREATE INDEX runs_by_label ON runs(label, started_us);

-- One row per stats name and method, plus the aggregate (name 'Aggregated', method '').
-- Latencies in microseconds; *_intended are measured from the intended send time.
CREATE TABLE run_stats (
  run_id            INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name              TEXT NOT NULL,
  method            TEXT NOT NULL,
  requests          INTEGER NOT NULL,
  failures          INTEGER NOT NULL,
  bytes             INTEGER NOT NULL,
  rps               REAL NOT NULL,
  min_us            INTEGER,
  avg_us            REAL,
  p50_us            INTEGER,
  p90_us            INTEGER,
  p95_us            INTEGER,
  p99_us            INTEGER,
  p999_us           INTEGER,
  max_us            INTEGER,
  p50_intended_us   INTEGER,
  p95_intended_us   INTEGER,
  p99_intended_us   INTEGER,
  max_intended_us   INTEGER,
  histogram         BLOB,                      -- mergeable serialized latency histogram
  histogram_intended BLOB,
  PRIMARY KEY (run_id, name, method)
);

-- Whole-run figures per second of the run.
CREATE TABLE run_series (
  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  second    INTEGER NOT NULL,                  -- seconds since the run started
  requests  INTEGER NOT NULL,
  failures  INTEGER NOT NULL,
  users     INTEGER NOT NULL,
  bytes     INTEGER NOT NULL DEFAULT 0,
  p50_us    INTEGER,
  p95_us    INTEGER,
  PRIMARY KEY (run_id, second)
);

CREATE TABLE run_failures (
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  method       TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('status', 'check', 'connect', 'timeout', 'reset', 'other')),
  message      TEXT NOT NULL,                  -- a sample message, as Locust's Error column
  occurrences  INTEGER NOT NULL,
  PRIMARY KEY (run_id, name, method, kind, message)
);
