/**
 * Bundles src/main.ts into one minified script (an IIFE, no modules needed) in the
 * frontend's generated static files: services/frontend/dist/public/js/telemetry.js,
 * served as /static/js/telemetry.js (services/frontend/src/assets.ts). Run by the root
 * `npm run build`; prints the size, minified and gzipped.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
export const OUTFILE = path.join(here, '../frontend/dist/public/js/telemetry.js');

await mkdir(path.dirname(OUTFILE), { recursive: true });
const result = await build({
  entryPoints: [path.join(here, 'src/main.ts')],
  outfile: OUTFILE,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  // Browsers of the last few years (Chromium, Firefox, Safari); web-vitals needs no more.
  target: ['chrome111', 'firefox111', 'safari16.4'],
  legalComments: 'eof',
  metafile: true,
  write: true,
  logLevel: 'warning',
});
const output = Object.values(result.metafile.outputs)[0];
const { readFile } = await import('node:fs/promises');
const gzipped = gzipSync(await readFile(OUTFILE)).byteLength;
console.log(
  `browser telemetry: ${path.relative(process.cwd(), OUTFILE)} ${(output!.bytes / 1024).toFixed(1)} KiB minified, ${(gzipped / 1024).toFixed(1)} KiB gzipped`,
);
