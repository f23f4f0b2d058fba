ALTER TABLE campaigns ADD COLUMN send_at BIGINT;
ALTER TABLE campaigns ADD COLUMN sending_since BIGINT;
CREATE INDEX campaigns_due ON campaigns(send_at) WHERE send_at IS NOT NULL AND sent_at IS NULL;
