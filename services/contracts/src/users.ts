import { z } from 'zod';

/** An account as every user-service answer shows it: never a password hash, never a key. */
export const PublicUser = z.object({
  id: z.number().int().positive(),
  username: z.string(),
  email: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  is_admin: z.boolean(),
  created_at: z.iso.datetime(),
});
export type PublicUser = z.infer<typeof PublicUser>;

/** `POST /api/user/create` (201), `GET /api/user`. */
export const UserAnswer = z.object({ result: PublicUser });
export type UserAnswer = z.infer<typeof UserAnswer>;

/** `GET /api/users` (administrators): one page, and how many accounts there are. */
export const UserPage = z.object({ results: z.array(PublicUser), total: z.number().int().nonnegative() });
export type UserPage = z.infer<typeof UserPage>;

/**
 * `POST /api/user/login`: a fresh API key (shown once) and its user. `api_key` is also at
 * the top level, where the Flask-era clients of the coursework read it.
 */
export const LoginAnswer = z.object({
  result: z.object({ api_key: z.string().min(1), user: PublicUser }),
  api_key: z.string().min(1),
});
export type LoginAnswer = z.infer<typeof LoginAnswer>;

/** `GET /api/user/:username/exists` (200; 404 when there is no such user). */
export const ExistsAnswer = z.object({ result: z.literal(true) });
export type ExistsAnswer = z.infer<typeof ExistsAnswer>;

/** `POST /api/user/logout`. */
export const MessageAnswer = z.object({ message: z.string() });
export type MessageAnswer = z.infer<typeof MessageAnswer>;
