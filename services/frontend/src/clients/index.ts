import { type Logger, ServiceClient } from '@shopscope/common';
import { OrderApi } from './orders';
import { ProductApi } from './products';
import { UserApi } from './users';

export type { AddItemOutcome, Cart, CheckoutRejection, LineItem, Order } from './orders';
export type { Product, ProductLink } from './products';
export type { Registration, User } from './users';
export { OrderApi, ProductApi, UserApi };

/** The three APIs the web shop calls (it is a backend-for-frontend: it owns no data). */
export interface Backends {
  users: UserApi;
  products: ProductApi;
  orders: OrderApi;
}

export interface BackendSettings {
  userServiceUrl: string;
  productServiceUrl: string;
  orderServiceUrl: string;
}

export function createBackends(settings: BackendSettings, logger: Logger): Backends {
  // The client names are what outage messages and logs call each dependency. ServiceClient's
  // timeout (3 s) bounds how long a page waits before it says a backend is unavailable.
  return {
    users: new UserApi(new ServiceClient('user-service', settings.userServiceUrl)),
    products: new ProductApi(new ServiceClient('product-service', settings.productServiceUrl), logger),
    orders: new OrderApi(new ServiceClient('order-service', settings.orderServiceUrl)),
  };
}
