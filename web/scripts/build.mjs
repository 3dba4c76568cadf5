// Builds the browser client's generated files into the node's webroot (default:
// ../verticles/target/classes/webroot, or the first argument):
//   vendor/vertx-eventbus.js  the official @vertx/eventbus-bridge-client.js + sockjs-client, bundled
//   media/test-tone.wav       a generated same-origin test track (never committed)
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toneWav } from './wav.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, '..', 'verticles', 'target', 'classes', 'webroot'));

await build({
  entryPoints: [join(root, 'src', 'eventbus-global.js')],
  outfile: join(out, 'vendor', 'vertx-eventbus.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2018'],
  minify: true,
  define: { global: 'globalThis' },   // sockjs-client reads Node's `global`
  legalComments: 'eof',
  logLevel: 'warning',
});

mkdirSync(join(out, 'media'), { recursive: true });
writeFileSync(join(out, 'media', 'test-tone.wav'), toneWav(120));
console.log(`chorus-web: built into ${out}`);
