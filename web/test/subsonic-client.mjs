// Drives Chorus's OpenSubsonic API with a real Subsonic client library (npm subsonic-api), the way a
// player app does: token+salt auth with an app password, then the apiKeyAuthentication extension.
// Usage: node test/subsonic-client.mjs <baseUrl> <username> <appPassword> <apiKey> <albumId> <songId> <hiddenSongId>
// Prints one JSON line with what each call answered.
import { SubsonicAPI } from "subsonic-api";

const [base, username, password, apiKey, albumId, songId, hiddenSongId] = process.argv.slice(2);
const api = new SubsonicAPI({ url: base, auth: { username, password } });
const byKey = new SubsonicAPI({ url: base, auth: { apiKey } });
const wrong = new SubsonicAPI({ url: base, auth: { username, password: password + "x" } });
const out = {};
const pick = (r) => ({ status: r.status, error: r.error ?? null });

out.ping = pick(await api.ping());
out.pingByKey = pick(await byKey.ping());
out.pingWrong = pick(await wrong.ping());
out.license = (await api.getLicense()).license;
out.folders = (await api.getMusicFolders()).musicFolders;
out.extensions = (await api.getOpenSubsonicExtensions()).openSubsonicExtensions;
out.artists = (await api.getArtists()).artists;
const artistId = out.artists.index.flatMap((i) => i.artist)[0]?.id;
out.artist = (await api.getArtist({ id: artistId })).artist;
out.album = (await api.getAlbum({ id: albumId })).album;
out.newest = (await api.getAlbumList2({ type: "newest", size: 10 })).albumList2;
out.song = (await api.getSong({ id: songId })).song;
out.hiddenSong = pick(await api.getSong({ id: hiddenSongId }));
out.search = (await api.search3({ query: "aurora" })).searchResult3;
// an empty query lists every song, page by page, as a syncing player (Symfonium) reads the library; the shared test
// database holds other classes' songs too, so the fixture's may be on any page
const everySong = [];
for (let offset = 0; ; offset += 500) {
  const page = (await api.search3({ query: "", songCount: 500, songOffset: offset, artistCount: 0, albumCount: 0 })).searchResult3;
  everySong.push(...(page.song ?? []));
  if (!page.song || page.song.length < 500) break;
}
out.searchAll = { song: everySong };
out.created = (await api.createPlaylist({ name: "Road trip", songId: [songId, songId] })).playlist;
out.playlists = (await api.getPlaylists()).playlists;
out.playlist = (await api.getPlaylist({ id: out.created.id })).playlist;
out.star = pick(await api.star({ id: songId, albumId }));
out.starred = (await api.getAlbumList2({ type: "starred" })).albumList2;
out.starredSong = (await api.getSong({ id: songId })).song.starred ?? null;
out.unstar = pick(await api.unstar({ id: songId }));
out.unstarredSong = (await api.getSong({ id: songId })).song.starred ?? null;
out.scrobble = pick(await api.scrobble({ id: songId, time: 1700000000000, submission: true }));
out.scrobbleAgain = pick(await api.scrobble({ id: songId, time: 1700000000000, submission: true }));
out.songAfterScrobble = (await api.getSong({ id: songId })).song.playCount;
const cover = await api.getCoverArt({ id: albumId, size: 600 });
out.cover = { status: cover.status, type: cover.headers.get("content-type"), bytes: (await cover.arrayBuffer()).byteLength };
const stream = await api.stream({ id: songId });
out.stream = { status: stream.status, type: stream.headers.get("content-type"), bytes: (await stream.arrayBuffer()).byteLength };
const download = await api.download({ id: songId });
out.download = { status: download.status, bytes: (await download.arrayBuffer()).byteLength };
const hiddenStream = await api.stream({ id: hiddenSongId });
out.hiddenStream = { status: hiddenStream.status };
await hiddenStream.arrayBuffer();
out.unknownAlbum = pick(await api.getAlbum({ id: "not-an-id" }));
out.missingParam = pick(await api.getAlbumList2({}));
console.log(JSON.stringify(out));
