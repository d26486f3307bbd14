import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler } from 'express';

/** Package root: views/ and public/ sit beside dist/, so `dist/main.js` finds them. */
export const PACKAGE_ROOT = path.join(__dirname, '..');
export const VIEWS_DIR = path.join(PACKAGE_ROOT, 'views');
export const PUBLIC_DIR = path.join(PACKAGE_ROOT, 'public');
/**
 * Static files made by the build, served beside public/ under the same prefix: the browser
 * telemetry script (services/browser bundles it into dist/public/js/telemetry.js).
 */
export const BUILT_PUBLIC_DIR = path.join(PACKAGE_ROOT, 'dist', 'public');
/** The browser telemetry script (services/browser). */
export const TELEMETRY_SCRIPT = '/static/js/telemetry.js';
const STATIC_DIRS = [PUBLIC_DIR, BUILT_PUBLIC_DIR];
export const STATIC_PREFIX = '/static';

/** Versioned URLs (`?v=<hash>` of the file as it is now) never change: a year, immutable. */
export const VERSIONED_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** Anything else (pictures, the favicon, an old version's URL): an hour, then revalidated (ETag, 304). */
export const UNVERSIONED_CACHE_CONTROL = 'public, max-age=3600';

/**
 * Static files under /static. The stylesheet and script are linked with a content hash
 * (`/static/css/shop.css?v=1a2b3c4d`, `assetUrl`): that URL changes with the file, so
 * browsers keep it a year without asking again. Other files (product pictures, the
 * favicon) are kept an hour, then revalidated with their ETag (a 304 when unchanged).
 */
export function staticFiles(): RequestHandler[] {
  return STATIC_DIRS.map((dir) =>
    express.static(dir, {
      index: false,
      fallthrough: true,
      cacheControl: false,
      setHeaders(res, file) {
        const urlPath = `${STATIC_PREFIX}/${path.relative(dir, file).split(path.sep).join('/')}`;
        const version = new URL(res.req.url ?? '/', 'http://shop.invalid').searchParams.get('v');
        res.setHeader('Cache-Control', staticCacheControl(urlPath, version));
      },
    }),
  );
}

/** The Cache-Control of a static file: immutable only under the URL `assetUrl` gives it now. */
export function staticCacheControl(urlPath: string, version: string | null): string {
  return version && assetUrl(urlPath) === `${urlPath}?v=${version}`
    ? VERSIONED_CACHE_CONTROL
    : UNVERSIONED_CACHE_CONTROL;
}

const versions = new Map<string, string>();

/** `/static/css/shop.css` → `/static/css/shop.css?v=<hash of the file>` (computed once). */
export function assetUrl(urlPath: string): string {
  let version = versions.get(urlPath);
  if (version === undefined) {
    version = '';
    for (const dir of STATIC_DIRS) {
      try {
        const file = path.join(dir, urlPath.slice(STATIC_PREFIX.length));
        version = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 10);
        break;
      } catch {
        // Not in this folder: the next one.
      }
    }
    versions.set(urlPath, version);
  }
  return version ? `${urlPath}?v=${version}` : urlPath;
}
