// Similar songs through a real Subsonic client library (npm subsonic-api): getOpenSubsonicExtensions,
// getSimilarSongs2 (the client's own method) and the sonicSimilarity extension's getSonicSimilarTracks
// and findSonicPath (customJSON: the library has no methods of its own for them).
// Usage: node test/subsonic-similar.mjs <baseUrl> <username> <appPassword> <artistId> <songId> <hiddenSongId> <endSongId>
// Prints one JSON line with what each call answered.
import { SubsonicAPI } from "subsonic-api";

const [base, username, password, artistId, songId, hiddenSongId, endSongId] = process.argv.slice(2);
const api = new SubsonicAPI({ url: base, auth: { username, password } });
const out = {};
const pick = (r) => ({ status: r.status, error: r.error ?? null });

out.extensions = (await api.getOpenSubsonicExtensions()).openSubsonicExtensions;
out.byArtist = (await api.getSimilarSongs2({ id: artistId, count: 5 })).similarSongs2;
out.bySong = (await api.getSimilarSongs2({ id: songId, count: 3 })).similarSongs2;
out.sonic = await api.customJSON("getSonicSimilarTracks", { id: songId, count: 4 });
out.path = await api.customJSON("findSonicPath", { startSongId: songId, endSongId, count: 5 });
out.sonicHidden = pick(await api.customJSON("getSonicSimilarTracks", { id: hiddenSongId }));
out.sonicMissing = pick(await api.customJSON("getSonicSimilarTracks", {}));
out.unknownArtist = pick(await api.getSimilarSongs2({ id: "00000000-0000-0000-0000-000000000000" }));
console.log(JSON.stringify(out));
