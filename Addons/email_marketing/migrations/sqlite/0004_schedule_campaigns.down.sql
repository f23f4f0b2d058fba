DROP INDEX campaigns_due;
ALTER TABLE campaigns DROP COLUMN sending_since;
ALTER TABLE campaigns DROP COLUMN send_at;
