-- GET /api/v1/tracks?album= compares titles ignoring case by Unicode's rules (CaseFold: lower() under the ICU root
-- collation), not by the database's LC_CTYPE, under which lower() of a C-locale cluster leaves 'Ü' as it is.
CREATE INDEX idx_tracks_album_title_fold ON tracks (lower(album_title COLLATE "und-x-icu"));
DROP INDEX idx_tracks_album_title;
