-- A track's bitrate is the file's average (its size over its duration) when the file holds the audio stream
-- alone (AudioProbe since ba4ac0e); tracks processed before kept the stream's nominal figure (a Vorbis file of
-- about 317 kbit/s showed 500). Recomputed from the stored columns for the ready tracks without embedded art
-- (a file with cover art holds another stream, whose bytes the size counts: those keep the stream's figure).
-- duration_ms is the decoded length, within a frame of the container's; a figure past INTEGER is left alone.
UPDATE tracks SET bitrate = round(original_size * 8000.0 / duration_ms)::integer
WHERE status = 'ready' AND cover_key IS NULL AND original_size > 0 AND duration_ms > 0
  AND round(original_size * 8000.0 / duration_ms) <= 2147483647;
