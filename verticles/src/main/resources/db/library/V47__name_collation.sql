-- The order people read names in, for the OpenSubsonic lists that page through names (search3, getAlbumList2's
-- alphabetical types, an artist's albums, playlists): ICU's root collation, where accents and case count only
-- between names otherwise equal ("Édith" beside "Edith", not after "Zed" as under the C locale). A server built
-- without ICU gets the byte order, which the queries apply to chorus_lower() of the name: case still ignored.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'chorus_names') THEN
        BEGIN
            CREATE COLLATION chorus_names (provider = icu, locale = 'und');
        EXCEPTION WHEN feature_not_supported OR invalid_parameter_value OR undefined_object THEN
            RAISE NOTICE 'no ICU in this server: chorus_names is the C collation';
            CREATE COLLATION chorus_names FROM "C";
        END;
    END IF;
END $$;
