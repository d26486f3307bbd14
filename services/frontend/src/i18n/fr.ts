import type { Messages } from './en';

/** French UI text; typed by the English dictionary, so no key can be missing. */
export const fr: Messages = {
  locale: 'fr-FR',
  languageName: 'Français',
  brandTagline: 'La boutique démo de l’observabilité',

  traces: {
    pageTrace: 'Trace de cette page :',
    openInJaeger: 'L’ouvrir dans Jaeger',
    logsInGrafana: 'ses journaux dans Grafana',
    heroJaeger: 'Les traces dans Jaeger',
    heroGrafana: 'Tableaux de bord et journaux dans Grafana',
    checkoutTitle: 'Suivez votre commande à travers la boutique',
    checkoutText:
      'Passer cette commande a produit une seule trace : du frontend à order-service, puis user-service et product-service, jusqu’aux requêtes SQL.',
    checkoutLink: 'Ouvrir la trace de la commande dans Jaeger',
    checkoutLogs: 'Ses journaux dans Grafana',
    traceId: 'Identifiant de trace :',
    errorTrace: 'Identifiant de trace de cette erreur, pour la retrouver dans Jaeger :',
  },

  layout: {
    skipToContent: 'Aller au contenu',
    mainNavigation: 'Navigation principale',
    shop: 'Boutique',
    orders: 'Mes commandes',
    cart: 'Panier',
    cartWithCount: (count: number) => (count <= 1 ? `Panier, ${count} article` : `Panier, ${count} articles`),
    signIn: 'Connexion',
    register: 'Créer un compte',
    signOut: 'Déconnexion',
    greeting: (username: string) => `Bonjour, ${username}`,
    language: 'Langue',
    footer:
      'ShopScope est une boutique de démonstration instrumentée avec OpenTelemetry : chaque clic devient une trace.',
    footerNote: 'Aucun paiement réel n’est jamais effectué.',
  },

  catalogue: {
    title: 'Catalogue',
    heroTitle: 'Du matériel qui mérite d’être tracé',
    heroText:
      'Dix produits, quatre services et une trace par clic. Parcourez, achetez, puis observez tout dans Jaeger et Grafana.',
    searchLabel: 'Rechercher dans le catalogue',
    searchPlaceholder: 'Chercher un produit…',
    searchButton: 'Rechercher',
    clearSearch: 'Effacer la recherche',
    resultCount: (count: number, query: string) =>
      `${count <= 1 ? `${count} résultat` : `${count} résultats`} pour « ${query} »`,
    noResults: 'Aucun produit ne correspond à votre recherche.',
    empty: 'Le catalogue est vide pour le moment.',
    viewProduct: 'Voir le détail',
  },

  stock: {
    inStock: 'En stock',
    lowStock: (count: number) => `Plus que ${count} en stock`,
    outOfStock: 'Rupture de stock',
  },

  product: {
    products: 'Produits',
    breadcrumb: 'Fil d’Ariane',
    quantity: 'Quantité',
    addToCart: 'Ajouter au panier',
    signInToBuy: 'Se connecter pour acheter',
    added: (quantity: number, name: string) =>
      quantity === 1 ? `${name} a été ajouté à votre panier.` : `${quantity} × ${name} ont été ajoutés à votre panier.`,
    viewCart: 'Voir le panier et commander',
    continueShopping: 'Continuer mes achats',
    quantityInvalid: (max: number) => `Saisissez un nombre entier entre 1 et ${max}.`,
    notEnoughStock: 'Stock insuffisant pour cette quantité.',
    tooManyUnits: (max: number, inCart: number) =>
      `Vous pouvez commander au plus ${max} exemplaires d’un même produit, et votre panier en contient déjà ${inCart}.`,
    tooManyProducts: (max: number) => `Votre panier peut contenir au plus ${max} produits différents.`,
  },

  fields: {
    username: 'Nom d’utilisateur',
    email: 'E-mail',
    password: 'Mot de passe',
    first_name: 'Prénom',
    last_name: 'Nom',
  },

  register: {
    title: 'Créer votre compte',
    intro: 'Quelques secondes suffisent, et aucune donnée réelle n’est nécessaire.',
    usernameHint: 'De 3 à 32 lettres, chiffres, « . », « - » ou « _ ».',
    passwordHint: 'Au moins 8 caractères.',
    submit: 'Créer mon compte',
    haveAccount: 'Vous avez déjà un compte ?',
    signInLink: 'Se connecter',
    invalid: {
      username: 'Utilisez de 3 à 32 lettres, chiffres, « . », « - » ou « _ ».',
      email: 'Saisissez une adresse e-mail valide.',
      password: 'Utilisez de 8 à 128 caractères.',
      first_name: 'Saisissez votre prénom (100 caractères au plus).',
      last_name: 'Saisissez votre nom (100 caractères au plus).',
    },
    taken: {
      username: 'Ce nom d’utilisateur est déjà pris.',
      email: 'Cette adresse e-mail est déjà enregistrée.',
    },
    takenEither: 'Ce nom d’utilisateur ou cette adresse e-mail est déjà enregistré.',
  },

  login: {
    title: 'Connexion',
    intro: 'Bon retour parmi nous.',
    submit: 'Se connecter',
    noAccount: 'Nouveau ici ?',
    registerLink: 'Créer un compte',
    wrongCredentials: 'Nom d’utilisateur ou mot de passe incorrect.',
    throttled: (minutes: number) =>
      `Trop de tentatives de connexion échouées. Par sécurité, veuillez patienter ${minutes === 1 ? 'une minute' : `${minutes} minutes`} avant de réessayer.`,
    demoAccount: 'Compte de démonstration : admin / admin123',
  },

  form: {
    required: 'Ce champ est obligatoire.',
    fixErrors: 'Veuillez corriger les champs ci-dessous.',
  },

  cartQuantity: {
    label: (name: string) => `Quantité pour ${name}`,
    update: 'Mettre à jour',
    invalid: (max: number) => `Saisissez un nombre entier de 0 à ${max} (0 retire le produit).`,
  },

  errorSummary: {
    title: 'Veuillez corriger les points suivants :',
  },

  notices: {
    registered: 'Votre compte est prêt et vous êtes connecté.',
    quantityUpdated: 'La quantité a été mise à jour.',
    registeredSignIn: 'Votre compte est prêt. Connectez-vous pour commencer vos achats.',
    signedOut: 'Vous êtes déconnecté. À bientôt !',
    signInRequired: 'Veuillez vous connecter pour continuer.',
    sessionExpired: 'Votre session a expiré. Veuillez vous reconnecter.',
    itemRemoved: 'L’article a été retiré de votre panier.',
  },

  cart: {
    title: 'Votre panier',
    product: 'Produit',
    unitPrice: 'Prix unitaire',
    quantity: 'Quantité',
    lineTotal: 'Total',
    remove: 'Retirer',
    removeItem: (name: string) => `Retirer ${name} du panier`,
    total: 'Total',
    placeOrder: 'Confirmer la commande',
    placingOrder: 'Commande en cours…',
    empty: 'Votre panier est vide.',
    browse: 'Parcourir le catalogue',
    summary: 'Récapitulatif de la commande',
    demoNote: 'Boutique de démonstration : aucun paiement n’est demandé, la commande est passée immédiatement.',
    emptyCart: 'Votre panier est vide : ajoutez un produit avant de commander.',
    outOfStock: (name: string, available: number) =>
      available > 0
        ? `Stock insuffisant pour ${name} : plus que ${available} disponible(s).`
        : `${name} est en rupture de stock.`,
    alreadyProcessing: 'Cette commande est déjà en cours de traitement. Consultez vos commandes dans un instant.',
    checkoutRejected: 'Votre commande n’a pas pu être passée. Vérifiez votre panier et réessayez.',
  },

  orders: {
    title: 'Mes commandes',
    order: 'Commande',
    date: 'Date',
    items: 'Articles',
    total: 'Total',
    status: 'Statut',
    view: 'Voir',
    viewOrder: (id: number) => `Voir la commande n° ${id}`,
    empty: 'Vous n’avez encore passé aucune commande.',
    number: (id: number) => `Commande n° ${id}`,
    placedOn: (date: string) => `Passée le ${date}`,
    back: 'Retour à mes commandes',
    statuses: { placed: 'Validée', pending: 'En cours', open: 'Ouverte' },
  },

  thankYou: {
    title: 'Merci !',
    placed: (id: number) => `Votre commande n° ${id} a bien été enregistrée.`,
    confirmation: 'Une confirmation serait en route s’il s’agissait d’une vraie boutique.',
    viewOrders: 'Voir mes commandes',
    continueShopping: 'Continuer mes achats',
  },

  errors: {
    backToShop: 'Retour à la boutique',
    tryAgain: 'Réessayer',
    notFoundTitle: 'Page introuvable',
    notFound: 'Nous n’avons pas trouvé ce que vous cherchiez.',
    productNotFound: 'Ce produit n’existe pas ou n’est plus vendu.',
    orderNotFound: 'Cette commande n’existe pas.',
    unavailableTitle: 'Momentanément indisponible',
    unavailable: {
      'product-service': 'Le catalogue est indisponible pour le moment.',
      'order-service': 'Votre panier et vos commandes sont indisponibles pour le moment.',
      'user-service': 'La connexion et les comptes sont indisponibles pour le moment.',
    },
    unavailableGeneric: 'Une partie de la boutique est indisponible pour le moment.',
    unavailableHint: 'Veuillez réessayer dans un instant.',
    csrfTitle: 'Formulaire expiré',
    csrf: 'Ce formulaire a expiré ou provient d’un autre site. Rechargez la page et réessayez.',
    badRequestTitle: 'Requête invalide',
    badRequest: 'La requête n’a pas pu être comprise.',
    internalTitle: 'Une erreur est survenue',
    internal: 'Une erreur inattendue s’est produite. Elle a été journalisée ; veuillez réessayer.',
  },
};
