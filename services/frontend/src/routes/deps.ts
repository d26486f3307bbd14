import type { Logger } from '@shopscope/common';
import type { Backends } from '../clients';
import type { Pages } from '../pages';

/** What every route module receives from buildApp. */
export interface RouteDeps {
  backends: Backends;
  pages: Pages;
  /** For the web shop's business events (sign-ins, orders): requests themselves are logged by common/http. */
  logger: Logger;
}
