CREATE TABLE verified_phones (
    phone TEXT PRIMARY KEY,
    verified_at BIGINT NOT NULL
);
