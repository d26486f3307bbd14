import { Router } from 'express';
import { formText } from '../forms';
import type { RouteDeps } from './deps';

const MAX_QUERY_LENGTH = 100;

/** `/`: the catalogue, with `?q=` search done by product-service. */
export function catalogueRoutes({ backends, pages }: RouteDeps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const query = formText(req.query, 'q', MAX_QUERY_LENGTH);
    const products = await backends.products.list(query || undefined);
    const { t } = pages.context(req);
    await pages.render(req, res, 'catalogue', { title: t.catalogue.title, products, query });
  });

  return router;
}
