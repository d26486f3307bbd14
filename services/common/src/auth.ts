/**
 * Extracts the API key from `Authorization: Bearer <key>`. The Flask version of the
 * shop sent `Basic <key>`, which is still accepted so the coursework's curl lines work.
 */
export function apiKeyFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(?:Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{16,256})\s*$/i.exec(header);
  return match?.[1];
}
