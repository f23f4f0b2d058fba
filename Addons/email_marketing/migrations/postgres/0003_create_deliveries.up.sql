CREATE TABLE deliveries (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id),
    subscriber_id TEXT NOT NULL REFERENCES subscribers(id),
    status TEXT NOT NULL,
    provider TEXT,
    message_id TEXT,
    error TEXT,
    attempted_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, subscriber_id)
);
