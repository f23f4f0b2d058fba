DROP INDEX chat_sessions_by_owner;
ALTER TABLE chat_sessions DROP COLUMN owner;
