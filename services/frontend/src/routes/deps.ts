import type { Backends } from '../clients';
import type { Pages } from '../pages';

/** What every route module receives from buildApp. */
export interface RouteDeps {
  backends: Backends;
  pages: Pages;
}
