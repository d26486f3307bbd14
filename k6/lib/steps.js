// Every kind of request the scenarios send, with its latency budget.
//
// A step's name is the `name` tag of its requests: the service and the route as that
// service's own telemetry names it (the `http_route` label of its metrics and spans), so a
// slow step on the k6 dashboard ("p95 duration by request name") leads straight to the
// service dashboard and to the traces in Jaeger for the same route. Grouping by route also
// keeps URLs with ids (/orders/42) down to one series each.
//
// `p95` is the budget in milliseconds for the 95th percentile of that step's
// http_req_duration, for the compose stack on a laptop under the scenario's load. Each
// scenario turns the budgets of the steps it uses into thresholds (lib/options.js), which
// LATENCY_FACTOR scales for slower machines. Registering and logging in hash the password
// with scrypt on purpose (slow by design), and a checkout crosses all four services, so
// they get more time than a page that reads the catalogue.

export const STEPS = {
  // frontend: the web shop's pages and forms
  catalogue: { name: 'frontend GET /', p95: 600 },
  productPage: { name: 'frontend GET /product/:slug', p95: 600 },
  registerPage: { name: 'frontend GET /register', p95: 400 },
  register: { name: 'frontend POST /register', p95: 1200 },
  loginPage: { name: 'frontend GET /login', p95: 400 },
  login: { name: 'frontend POST /login', p95: 1200 },
  addToCart: { name: 'frontend POST /product/:slug', p95: 800 },
  cartPage: { name: 'frontend GET /checkout', p95: 800 },
  placeOrder: { name: 'frontend POST /checkout/process', p95: 1500 },
  thankYouPage: { name: 'frontend GET /order/thank-you', p95: 800 },
  ordersPage: { name: 'frontend GET /orders', p95: 800 },
  orderPage: { name: 'frontend GET /orders/:id', p95: 800 },
  logout: { name: 'frontend POST /logout', p95: 600 },
  language: { name: 'frontend GET /lang/:code', p95: 300 },
  staticFile: { name: 'frontend GET /static/*', p95: 300 },

  // user-service
  createUser: { name: 'user-service POST /api/user/create', p95: 1200 },
  apiLogin: { name: 'user-service POST /api/user/login', p95: 1200 },
  apiLogout: { name: 'user-service POST /api/user/logout', p95: 400 },
  currentUser: { name: 'user-service GET /api/user', p95: 400 },
  userExists: { name: 'user-service GET /api/user/:username/exists', p95: 400 },
  listUsers: { name: 'user-service GET /api/users', p95: 400 },

  // product-service
  listProducts: { name: 'product-service GET /api/products', p95: 400 },
  getProduct: { name: 'product-service GET /api/product/:slugOrId', p95: 400 },
  createProduct: { name: 'product-service POST /api/product/create', p95: 600 },
  reserveStock: { name: 'product-service POST /api/products/reserve', p95: 600 },
  releaseStock: { name: 'product-service POST /api/products/release', p95: 600 },

  // order-service
  addItem: { name: 'order-service POST /api/order/add-item', p95: 800 },
  getCart: { name: 'order-service GET /api/order', p95: 800 },
  removeItem: { name: 'order-service DELETE /api/order/remove-item/:product_id', p95: 800 },
  checkout: { name: 'order-service POST /api/order/checkout', p95: 1500 },
  listOrders: { name: 'order-service GET /api/orders', p95: 800 },
  getOrder: { name: 'order-service GET /api/orders/:id', p95: 800 },

  // every service
  healthz: { name: 'GET /healthz', p95: 300 },
  readyz: { name: 'GET /readyz', p95: 400 },
};

/** The steps of the web shop's purchase journey (lib/web.js), in order. */
export const WEB_JOURNEY_STEPS = [
  STEPS.registerPage,
  STEPS.register,
  STEPS.loginPage,
  STEPS.login,
  STEPS.catalogue,
  STEPS.productPage,
  STEPS.addToCart,
  STEPS.cartPage,
  STEPS.placeOrder,
  STEPS.thankYouPage,
  STEPS.ordersPage,
  STEPS.orderPage,
  STEPS.logout,
];

/** The steps of the same journey through the JSON APIs (lib/api.js), in order. */
export const API_JOURNEY_STEPS = [
  STEPS.createUser,
  STEPS.apiLogin,
  STEPS.currentUser,
  STEPS.listProducts,
  STEPS.getProduct,
  STEPS.addItem,
  STEPS.getCart,
  STEPS.checkout,
  STEPS.listOrders,
  STEPS.getOrder,
  STEPS.apiLogout,
];
