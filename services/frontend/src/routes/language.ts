import { Router } from 'express';
import { isLanguage } from '../i18n';
import { rememberLanguage } from '../language';
import { safeLocalPath } from '../paths';

/**
 * `/lang/en` and `/lang/fr`: the header's language switch. A plain link (works without
 * JavaScript) that remembers the choice in a cookie and goes back to the page it came from.
 * A GET is fine here: changing the display language is harmless, so it needs no CSRF token.
 */
export function languageRoutes(): Router {
  const router = Router();

  router.get('/lang/:code', (req, res, next) => {
    const code = req.params.code;
    if (!isLanguage(code)) return next(); // unknown language: the 404 page
    rememberLanguage(req, res, code);
    res.redirect(303, safeLocalPath(req.query.next));
  });

  return router;
}
