CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    status TEXT NOT NULL,
    price_id TEXT,
    current_period_end BIGINT,
    cancel_at_period_end INTEGER NOT NULL DEFAULT 0,
    event_created BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
