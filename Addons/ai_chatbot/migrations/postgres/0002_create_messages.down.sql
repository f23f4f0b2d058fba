DROP INDEX chat_messages_by_session;
DROP TABLE chat_messages;
