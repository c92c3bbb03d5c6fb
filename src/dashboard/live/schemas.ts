/**
 * zod schemas for every dashboard request input (query strings, headers, path params).
 *
 * @module
 */
import { z } from "zod";

/** Log levels, least severe first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** `GET /api/logs` query: `level` (minimum, default info) and `limit` (1..2000, default 200). */
export const logsQuerySchema = z.object({
  level: z.enum(LOG_LEVELS, { error: "level must be one of debug, info, warn, error" })
    .default("info"),
  limit: z.string()
    .regex(/^\d{1,4}$/, "limit must be a whole number from 1 to 2000")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 2000, "limit must be a whole number from 1 to 2000")
    .default(200),
});

/**
 * A run folder name: letters, digits, `.`, `_`, `-`; starts with a letter or digit; no
 * `..`; at most 128 characters. Anything else (slashes, encoded slashes, dots) is refused.
 */
export const runIdSchema = z.string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "run id has invalid characters")
  .refine((s) => !s.includes(".."), "run id has invalid characters");

/** The `Host` header: `host[:port]`, printable, short. */
export const hostHeaderSchema = z.string({ error: "missing Host header" })
  .min(1, "missing Host header")
  .max(255, "Host header too long")
  .regex(/^[A-Za-z0-9.\-:[\]]+$/, "Host header has invalid characters");

/** The `x-dashboard-token` header: 64 lowercase hex characters. */
export const tokenHeaderSchema = z.string({ error: "missing x-dashboard-token header" })
  .regex(/^[0-9a-f]{64}$/, "malformed x-dashboard-token header");

/** Returns the first issue's message of a failed parse, as one line. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  return `${where}${issue?.message ?? "invalid input"}`.replace(/\s+/g, " ");
}
