import type { Language } from './index';

/**
 * Product names and descriptions in the page's language.
 *
 * product-service keeps one language per field: its catalogue text is English
 * (`CATALOGUE_LANGUAGE`), seeded from services/product/src/db/seed.ts, and an admin creates
 * products in English. The frontend owns the translations, as it owns every other piece of
 * UI text: a table keyed by product slug (stable, unlike names) for the ten seeded products.
 * A product without a translation (one an admin created later) is shown in its own text,
 * marked `lang="en"` on a French page so screen readers pronounce it right.
 */
export const CATALOGUE_LANGUAGE: Language = 'en';

export interface TranslatedText {
  name: string;
  description: string;
}

/** What a page shows for a product: its text and the language that text is written in. */
export interface ProductText extends TranslatedText {
  lang: Language;
}

/** The fields of a product (or a cart or order line) that its text is chosen from. */
export interface ProductSource {
  /** Unknown for a cart or order line whose product the catalogue did not describe. */
  slug?: string | undefined;
  name: string;
  description?: string | undefined;
}

const fr: Record<string, TranslatedText> = {
  'laptop-pro': {
    name: 'Ordinateur portable Pro',
    description:
      'Un ordinateur portable 14 pouces en aluminium avec 16 Go de mémoire, un SSD de 1 To et une batterie qui tient toute la journée.',
  },
  'smartphone-x': {
    name: 'Smartphone X',
    description: 'Un smartphone OLED de 6,1 pouces avec triple appareil photo et 5G.',
  },
  'wireless-headphones': {
    name: 'Casque sans fil',
    description: 'Un casque Bluetooth circum-auriculaire avec réduction de bruit active et 30 heures d’écoute.',
  },
  'tablet-pro': {
    name: 'Tablette Pro',
    description: 'Une tablette 11 pouces à écran laminé, compatible stylet, avec 256 Go de stockage.',
  },
  smartwatch: {
    name: 'Montre connectée',
    description: 'Une montre connectée étanche avec suivi du rythme cardiaque, GPS et une semaine d’autonomie.',
  },
  camera: {
    name: 'Appareil photo',
    description: 'Un appareil photo hybride de 24 mégapixels avec objectif 18–55 mm et vidéo 4K.',
  },
  'bluetooth-speaker': {
    name: 'Enceinte Bluetooth',
    description: 'Une enceinte portable résistante aux éclaboussures, aux basses profondes et à 12 heures d’autonomie.',
  },
  'mechanical-keyboard': {
    name: 'Clavier mécanique',
    description: 'Un clavier compact sans pavé numérique, à switchs tactiles remplaçables à chaud et câble USB-C.',
  },
  'gaming-mouse': {
    name: 'Souris gaming',
    description: 'Une souris filaire légère avec un capteur de 26\u202f000 DPI et six boutons programmables.',
  },
  'webcam-hd': {
    name: 'Webcam HD',
    description: 'Une webcam 1080p avec mise au point automatique, cache de confidentialité et deux microphones.',
  },
};

/** Translations per page language (the catalogue's own language needs none). */
export const CATALOGUE_TRANSLATIONS: Partial<Record<Language, Readonly<Record<string, TranslatedText>>>> = { fr };

/** A product's name and description in `language` when translated, else its own text (`lang` says which). */
export function productText(product: ProductSource, language: Language): ProductText {
  const table = language === CATALOGUE_LANGUAGE ? undefined : CATALOGUE_TRANSLATIONS[language];
  // Own keys only: a slug such as `constructor` must not find Object.prototype's.
  if (table && product.slug && Object.hasOwn(table, product.slug)) {
    const { name, description } = table[product.slug] as TranslatedText;
    return { name, description, lang: language };
  }
  return { name: product.name, description: product.description ?? '', lang: CATALOGUE_LANGUAGE };
}

/**
 * The ` lang="…"` attribute an element showing `text` needs on a page in `pageLanguage`:
 * empty when they agree. Safe to print unescaped: the value is one of the known languages.
 */
export function langAttribute(text: Pick<ProductText, 'lang'>, pageLanguage: Language): string {
  return text.lang === pageLanguage ? '' : ` lang="${text.lang}"`;
}

/**
 * Slugs of the products whose translated name or description contains `query` (ignoring
 * case and accents, as product-service's search does), so a French shopper searching
 * “casque” finds the headphones although product-service only knows their English text.
 */
export function slugsMatching(query: string, language: Language): string[] {
  const table = language === CATALOGUE_LANGUAGE ? undefined : CATALOGUE_TRANSLATIONS[language];
  const needle = folded(query.trim());
  if (!table || !needle) return [];
  return Object.entries(table)
    .filter(([, text]) => folded(text.name).includes(needle) || folded(text.description).includes(needle))
    .map(([slug]) => slug);
}

function folded(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[\s\u00a0\u202f]+/g, ' ')
    .toLowerCase();
}
