/**
 * English UI text: every string a page shows lives here and in `fr.ts`.
 * `Messages` is derived from this object, so the French dictionary must provide exactly
 * the same keys with the same parameters, or the build fails.
 * Values are plain text: templates escape them, so they may safely contain user input.
 */
export const en = {
  locale: 'en-GB',
  languageName: 'English',
  brandTagline: 'The observability demo shop',

  /** Links from a page to its telemetry (footer, thank-you page, error pages, hero). */
  traces: {
    pageTrace: 'This page’s trace:',
    openInJaeger: 'Open it in Jaeger',
    logsInGrafana: 'its logs in Grafana',
    heroJaeger: 'Traces in Jaeger',
    heroGrafana: 'Dashboards and logs in Grafana',
    checkoutTitle: 'Follow your order through the shop',
    checkoutText:
      'Placing this order was one trace: from the frontend through order-service to user-service and product-service, down to the SQL queries.',
    checkoutLink: 'Open the checkout trace in Jaeger',
    checkoutLogs: 'Its log lines in Grafana',
    traceId: 'Trace id:',
    errorTrace: 'Trace id of this error, to look it up in Jaeger:',
  },

  layout: {
    skipToContent: 'Skip to content',
    mainNavigation: 'Main navigation',
    shop: 'Shop',
    orders: 'My orders',
    cart: 'Cart',
    cartWithCount: (count: number) => (count === 1 ? 'Cart, 1 item' : `Cart, ${count} items`),
    signIn: 'Sign in',
    register: 'Create account',
    signOut: 'Sign out',
    greeting: (username: string) => `Hi, ${username}`,
    language: 'Language',
    footer: 'ShopScope is a demo shop instrumented with OpenTelemetry: every click becomes a trace.',
    footerNote: 'No real payment is ever taken.',
  },

  catalogue: {
    title: 'Catalogue',
    heroTitle: 'Gear worth tracing',
    heroText:
      'Ten products, four services and one trace per click. Browse, buy, then watch it all in Jaeger and Grafana.',
    searchLabel: 'Search the catalogue',
    searchPlaceholder: 'Search products…',
    searchButton: 'Search',
    clearSearch: 'Clear search',
    resultCount: (count: number, query: string) => `${count === 1 ? '1 result' : `${count} results`} for “${query}”`,
    noResults: 'No product matches your search.',
    empty: 'The catalogue is empty for now.',
    viewProduct: 'View details',
  },

  stock: {
    inStock: 'In stock',
    lowStock: (count: number) => `Only ${count} left`,
    outOfStock: 'Out of stock',
  },

  product: {
    products: 'Products',
    breadcrumb: 'Breadcrumb',
    quantity: 'Quantity',
    addToCart: 'Add to cart',
    signInToBuy: 'Sign in to buy',
    added: (quantity: number, name: string) =>
      quantity === 1 ? `${name} was added to your cart.` : `${quantity} × ${name} were added to your cart.`,
    viewCart: 'View cart and check out',
    continueShopping: 'Continue shopping',
    quantityInvalid: (max: number) => `Enter a whole number from 1 to ${max}.`,
    notEnoughStock: 'Not enough stock for that quantity.',
    tooManyUnits: (max: number, inCart: number) =>
      `You can order at most ${max} of one product, and your cart already holds ${inCart}.`,
    tooManyProducts: (max: number) => `Your cart can hold at most ${max} different products.`,
  },

  fields: {
    username: 'Username',
    email: 'Email',
    password: 'Password',
    first_name: 'First name',
    last_name: 'Last name',
  },

  register: {
    title: 'Create your account',
    intro: 'It only takes a few seconds, and no real data is needed.',
    usernameHint: '3 to 32 letters, digits, “.”, “-” or “_”.',
    passwordHint: 'At least 8 characters.',
    submit: 'Create account',
    haveAccount: 'Already have an account?',
    signInLink: 'Sign in',
    /** Shown next to a field the user-service rejected (its own wording is English-only). */
    invalid: {
      username: 'Use 3 to 32 letters, digits, “.”, “-” or “_”.',
      email: 'Enter a valid email address.',
      password: 'Use 8 to 128 characters.',
      first_name: 'Enter your first name (up to 100 characters).',
      last_name: 'Enter your last name (up to 100 characters).',
    },
    taken: {
      username: 'This username is already taken.',
      email: 'This email address is already registered.',
    },
    takenEither: 'This username or email address is already registered.',
  },

  login: {
    title: 'Sign in',
    intro: 'Welcome back.',
    submit: 'Sign in',
    noAccount: 'New here?',
    registerLink: 'Create an account',
    wrongCredentials: 'Wrong username or password.',
    throttled: (minutes: number) =>
      `Too many failed sign-in attempts. For your security, please wait ${minutes === 1 ? 'a minute' : `${minutes} minutes`} before trying again.`,
    demoAccount: 'Demo account: admin / admin123',
  },

  form: {
    required: 'This field is required.',
    fixErrors: 'Please correct the fields below.',
  },

  /** The cart page's quantity field on each line. */
  cartQuantity: {
    label: (name: string) => `Quantity of ${name}`,
    update: 'Update',
    invalid: (max: number) => `Enter a whole number from 0 to ${max} (0 removes the product).`,
  },

  /** The summary above a refused form: each bad field, linked to it. */
  errorSummary: {
    title: 'Please correct the following:',
  },

  notices: {
    registered: 'Your account is ready and you are signed in.',
    quantityUpdated: 'The quantity was updated.',
    registeredSignIn: 'Your account is ready. Sign in to start shopping.',
    signedOut: 'You are signed out. See you soon!',
    signInRequired: 'Please sign in to continue.',
    sessionExpired: 'Your session has expired. Please sign in again.',
    itemRemoved: 'The item was removed from your cart.',
  },

  cart: {
    title: 'Your cart',
    product: 'Product',
    unitPrice: 'Unit price',
    quantity: 'Quantity',
    lineTotal: 'Total',
    remove: 'Remove',
    removeItem: (name: string) => `Remove ${name} from the cart`,
    total: 'Total',
    placeOrder: 'Place order',
    placingOrder: 'Placing order…',
    empty: 'Your cart is empty.',
    browse: 'Browse the catalogue',
    summary: 'Order summary',
    demoNote: 'Demo shop: no payment is taken, your order is placed right away.',
    emptyCart: 'Your cart is empty: add a product before checking out.',
    outOfStock: (name: string, available: number) =>
      available > 0 ? `Not enough stock for ${name}: only ${available} left.` : `${name} is out of stock.`,
    alreadyProcessing: 'This order is already being processed. Check your orders in a moment.',
    checkoutRejected: 'Your order could not be placed. Please review your cart and try again.',
  },

  orders: {
    title: 'My orders',
    order: 'Order',
    date: 'Date',
    items: 'Items',
    total: 'Total',
    status: 'Status',
    view: 'View',
    viewOrder: (id: number) => `View order #${id}`,
    empty: 'You have not placed any order yet.',
    number: (id: number) => `Order #${id}`,
    placedOn: (date: string) => `Placed on ${date}`,
    back: 'Back to my orders',
    statuses: { placed: 'Placed', pending: 'Processing', open: 'Open' } as Record<string, string>,
  },

  thankYou: {
    title: 'Thank you!',
    placed: (id: number) => `Your order #${id} has been placed.`,
    confirmation: 'A confirmation would be on its way if this were a real shop.',
    viewOrders: 'See my orders',
    continueShopping: 'Continue shopping',
  },

  errors: {
    backToShop: 'Back to the shop',
    tryAgain: 'Try again',
    notFoundTitle: 'Page not found',
    notFound: 'We could not find what you were looking for.',
    productNotFound: 'This product does not exist or is no longer sold.',
    orderNotFound: 'This order does not exist.',
    unavailableTitle: 'Temporarily unavailable',
    /** One message per backend, so the page says what is down in the shopper's words. */
    unavailable: {
      'product-service': 'The catalogue is unavailable right now.',
      'order-service': 'Your cart and orders are unavailable right now.',
      'user-service': 'Sign-in and accounts are unavailable right now.',
    } as Record<string, string>,
    unavailableGeneric: 'Part of the shop is unavailable right now.',
    unavailableHint: 'Please try again in a moment.',
    csrfTitle: 'Form expired',
    csrf: 'This form has expired or was sent from another site. Reload the page and try again.',
    badRequestTitle: 'Bad request',
    badRequest: 'The request could not be understood.',
    internalTitle: 'Something went wrong',
    internal: 'An unexpected error occurred. It has been logged; please try again.',
  },
};

export type Messages = typeof en;
