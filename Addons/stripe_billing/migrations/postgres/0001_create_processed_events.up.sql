CREATE TABLE processed_events (
    event_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    processed_at BIGINT NOT NULL
);
