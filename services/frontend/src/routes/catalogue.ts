import { Router } from 'express';
import { formText } from '../forms';
import { slugsMatching } from '../i18n/catalogue';
import type { RouteDeps } from './deps';

const MAX_QUERY_LENGTH = 100;

/** `/`: the catalogue, with `?q=` search done by product-service. */
export function catalogueRoutes({ backends, pages }: RouteDeps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const query = formText(req.query, 'q', MAX_QUERY_LENGTH);
    const { t, lang } = pages.context(req);
    let products = await backends.products.list(query || undefined);
    // product-service searches its English text; the translated names are searched here.
    const translated = query ? slugsMatching(query, lang).filter((slug) => !products.some((p) => p.slug === slug)) : [];
    if (translated.length > 0) {
      const found = new Set(products.map((p) => p.slug).concat(translated));
      products = (await backends.products.list()).filter((p) => found.has(p.slug));
    }
    await pages.render(req, res, 'catalogue', { title: t.catalogue.title, products, query });
  });

  return router;
}
