CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    template TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
