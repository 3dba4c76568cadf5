// Runs `npm ci` only when package-lock.json changed since the last install (a stamp in
// node_modules), so the Maven build stays quick when nothing changed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.chorus-lock-sha256');
const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');

if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) {
  process.exit(0);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`npm ci failed in ${root} (exit ${r.status ?? r.signal})`);
  process.exit(1);
}
writeFileSync(stamp, hash + '\n');
