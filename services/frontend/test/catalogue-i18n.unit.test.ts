/**
 * Product names and descriptions in the page's language (src/i18n/catalogue.ts): a French
 * text for every seeded product, keyed by slug; anything else keeps its own English text
 * and says so with its `lang`; the French texts are searchable.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CATALOGUE as SEEDED } from '../../product/dist/db/seed.js';
import {
  CATALOGUE_LANGUAGE,
  CATALOGUE_TRANSLATIONS,
  langAttribute,
  productText,
  slugsMatching,
} from '../dist/i18n/catalogue.js';

describe('productText', () => {
  test('every seeded product has a French name and description, and nothing else is translated', () => {
    const french = CATALOGUE_TRANSLATIONS.fr ?? {};
    assert.deepEqual(Object.keys(french).sort(), SEEDED.map((p) => p.slug).sort());
    for (const seeded of SEEDED) {
      const text = productText(seeded, 'fr');
      assert.equal(text.lang, 'fr');
      assert.ok(text.name.length > 0 && text.description.length > 20, seeded.slug);
      assert.notEqual(text.description, seeded.description, `${seeded.slug} is translated`);
    }
    assert.equal(productText(SEEDED[0], 'fr').name, 'Ordinateur portable Pro');
  });

  test('English pages show the catalogue text as it is', () => {
    assert.equal(CATALOGUE_LANGUAGE, 'en');
    const laptop = { slug: 'laptop-pro', name: 'Laptop Pro', description: 'A laptop.' };
    assert.deepEqual(productText(laptop, 'en'), { name: 'Laptop Pro', description: 'A laptop.', lang: 'en' });
  });

  test('a product without a translation keeps its own text, marked English', () => {
    const lamp = { slug: 'desk-lamp', name: 'Desk lamp', description: 'Made by hand.' };
    assert.deepEqual(productText(lamp, 'fr'), { name: 'Desk lamp', description: 'Made by hand.', lang: 'en' });
    // A cart line whose product the catalogue could not describe: no slug, no description.
    assert.deepEqual(productText({ slug: undefined, name: 'Camera' }, 'fr'), {
      name: 'Camera',
      description: '',
      lang: 'en',
    });
    // Slugs are looked up as own keys only.
    for (const slug of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      assert.equal(productText({ slug, name: 'X' }, 'fr').lang, 'en', slug);
    }
  });

  test('langAttribute marks only text in another language than the page', () => {
    assert.equal(langAttribute({ lang: 'en' }, 'fr'), ' lang="en"');
    assert.equal(langAttribute({ lang: 'fr' }, 'fr'), '');
    assert.equal(langAttribute({ lang: 'en' }, 'en'), '');
  });
});

describe('slugsMatching', () => {
  test('finds French names and descriptions, ignoring case and accents', () => {
    assert.deepEqual(slugsMatching('casque', 'fr'), ['wireless-headphones']);
    assert.deepEqual(slugsMatching('  MONTRE ', 'fr'), ['smartwatch']);
    assert.deepEqual(slugsMatching('clavier mecanique', 'fr'), ['mechanical-keyboard']);
    assert.deepEqual(slugsMatching('26 000', 'fr'), ['gaming-mouse']);
  });

  test('nothing to add in English, for an empty query or an unknown word', () => {
    assert.deepEqual(slugsMatching('casque', 'en'), []);
    assert.deepEqual(slugsMatching('   ', 'fr'), []);
    assert.deepEqual(slugsMatching('zzzz', 'fr'), []);
  });
});
