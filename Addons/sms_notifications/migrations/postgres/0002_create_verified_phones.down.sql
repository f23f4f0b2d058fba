DROP TABLE verified_phones;
