-- GET /api/v1/artists lists and pages artists by name as a person reads it: name_key under the chorus_names collation
-- (V47), not the bytes of the name ("ärzte" between "apple" and "Bravo", not after "Zed"). This index serves that
-- order and its keyset (name_key COLLATE chorus_names > after), as the unique index on name_key served the byte order.
CREATE INDEX IF NOT EXISTS artists_name_key_names ON artists (name_key COLLATE chorus_names);
