-- Lyrics from an upload's tags (ID3 USLT, Vorbis LYRICS/UNSYNCEDLYRICS, MP4 ©lyr), as text with \n line breaks; LRC
-- time tags ("[01:02.50] words") kept as written. OpenSubsonic getLyrics and getLyricsBySongId answer from it.
ALTER TABLE tracks ADD COLUMN IF NOT EXISTS lyrics TEXT;
