-- Playlist entries by track: a track's delete cascades to its entries, and search re-reads the playlists that hold a
-- track on every catalog event of it (their track_count follows the track's moderation). Without this index both
-- read the whole table.
CREATE INDEX IF NOT EXISTS idx_playlist_tracks_track ON playlist_tracks (track_id);
