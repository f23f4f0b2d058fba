ALTER TABLE chat_sessions ADD COLUMN owner TEXT;
CREATE INDEX chat_sessions_by_owner ON chat_sessions(owner, id);
