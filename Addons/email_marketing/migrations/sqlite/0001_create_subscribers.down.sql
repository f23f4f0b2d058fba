DROP TABLE subscribers;
