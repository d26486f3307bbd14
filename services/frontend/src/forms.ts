/** Small helpers for HTML forms (form-encoded bodies arrive as strings, or not at all). */

/** A text field, trimmed; '' when absent. Passwords must not be trimmed: use `formRaw`. */
export function formText(body: unknown, name: string, maxLength = 500): string {
  return formRaw(body, name, maxLength).trim();
}

/** A field exactly as typed (bounded, so a huge value cannot be echoed back). */
export function formRaw(body: unknown, name: string, maxLength = 500): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, maxLength) : '';
}

/** Field name → message shown under the field; `_form` for a message about the whole form. */
export type FormErrors = Record<string, string>;
