// New shoppers for the journeys: a username no other virtual user, iteration or earlier
// run has taken, so registration never collides with an existing account.
import exec from 'k6/execution';

/** Every shopper's password (user-service wants 8 to 128 characters). */
export const PASSWORD = 'k6-correct-horse-42';

// Milliseconds since 1970 in base 36, last 7 digits: different for every run for about two
// years (a persisted database keeps the accounts of earlier runs). Each virtual user reads
// the clock at its own start; its id in the test keeps two of them apart.
const RUN = Date.now().toString(36).slice(-7);
let created = 0;

/**
 * A new shopper: `<prefix>_<run>_<vu>_<n>` (user-service allows 3 to 32 of [A-Za-z0-9_.-]),
 * e.g. `web_mhx3k2a_12_3`. The prefix (at most 5 characters) says which journey made it.
 * @param {string} prefix
 */
export function newShopper(prefix) {
  created++;
  const username = `${prefix.slice(0, 5)}_${RUN}_${exec.vu.idInTest}_${created}`;
  return {
    username,
    email: `${username}@example.test`,
    password: PASSWORD,
    first_name: 'K6',
    last_name: `Shopper ${exec.vu.idInTest}`,
  };
}
