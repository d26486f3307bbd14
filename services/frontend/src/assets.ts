import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler } from 'express';

/** Package root: views/ and public/ sit beside dist/, so `dist/main.js` finds them. */
export const PACKAGE_ROOT = path.join(__dirname, '..');
export const VIEWS_DIR = path.join(PACKAGE_ROOT, 'views');
export const PUBLIC_DIR = path.join(PACKAGE_ROOT, 'public');
export const STATIC_PREFIX = '/static';

/**
 * Static files under /static, cached by browsers for a day (product pictures never change
 * between releases). The stylesheet and script are linked with a content hash
 * (`/static/css/shop.css?v=1a2b3c4d`), so a new release is picked up at once anyway.
 */
export function staticFiles(): RequestHandler {
  return express.static(PUBLIC_DIR, { maxAge: '1d', index: false, fallthrough: true });
}

const versions = new Map<string, string>();

/** `/static/css/shop.css` → `/static/css/shop.css?v=<hash of the file>` (computed once). */
export function assetUrl(urlPath: string): string {
  let version = versions.get(urlPath);
  if (version === undefined) {
    try {
      const file = path.join(PUBLIC_DIR, urlPath.slice(STATIC_PREFIX.length));
      version = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 10);
    } catch {
      version = '';
    }
    versions.set(urlPath, version);
  }
  return version ? `${urlPath}?v=${version}` : urlPath;
}
