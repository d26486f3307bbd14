import type { Request, RequestHandler, Response } from 'express';
import { isLanguage, type Language } from './i18n';

/**
 * The page language: `?lang=` on any URL, else the language cookie (set by the switch in
 * the header or by `?lang=`), else the configured default (`LANG`, English unless set).
 * It is a preference, not a secret: a plain cookie, readable and harmless to forge.
 */
export const LANGUAGE_COOKIE = 'shopscope_lang';
const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export function resolveLanguage(req: Request, fallback: Language): Language {
  const fromQuery = req.query.lang;
  if (isLanguage(fromQuery)) return fromQuery;
  const fromCookie = (req.cookies as Record<string, unknown> | undefined)?.[LANGUAGE_COOKIE];
  return isLanguage(fromCookie) ? fromCookie : fallback;
}

export function rememberLanguage(req: Request, res: Response, language: Language): void {
  res.cookie(LANGUAGE_COOKIE, language, {
    maxAge: ONE_YEAR_MS,
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
    path: '/',
  });
}

/** `?lang=fr` on any page also remembers the choice, so the next click stays in French. */
export const rememberLanguageFromQuery: RequestHandler = (req, res, next) => {
  const fromQuery = req.query.lang;
  if (isLanguage(fromQuery)) rememberLanguage(req, res, fromQuery);
  next();
};
