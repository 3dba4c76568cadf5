-- the tracks listing's album filter (GET /api/v1/tracks?album=) compares chorus_lower(album_title) (see V43)
DROP INDEX IF EXISTS idx_tracks_album_title;
CREATE INDEX idx_tracks_album_title_lower ON tracks (chorus_lower(album_title));
