/**
 * Bitunix settings from the environment or a `.env` file in the working directory
 * (the environment wins). Only `BITUNIX_*` keys are read; values are zod-checked.
 */
import { z } from "zod";
import { InputError } from "../core/errors.ts";

/** Default REST base URL. */
export const DEFAULT_BITUNIX_BASE_URL = "https://fapi.bitunix.com";
/** Default WebSocket base URL (`/public/` and `/private/` are appended). */
export const DEFAULT_BITUNIX_WS_URL = "wss://fapi.bitunix.com";

/** Resolved Bitunix settings. Never print this object directly: use `redactBitunixEnv`. */
export interface BitunixEnv {
  readonly baseUrl: string;
  readonly wsUrl: string;
  readonly apiKey?: string;
  readonly apiSecret?: string;
  /** Where each credential came from, for diagnostics. */
  readonly source: { readonly apiKey?: "env" | ".env"; readonly apiSecret?: "env" | ".env" };
}

/** Where settings are read from: the environment, then a `.env` file. */
export interface EnvSourceOptions {
  /** Environment lookup (default `Deno.env.get`). */
  readonly getEnv?: (name: string) => string | undefined;
  /** `.env` file path (default `.env` in the working directory); missing file = none. */
  readonly envFile?: string;
  /** Set false to ignore any `.env` file. */
  readonly useEnvFile?: boolean;
}

/** Options of `loadBitunixEnv`. */
export interface LoadBitunixEnvOptions extends EnvSourceOptions {
  /** Throw an InputError when the key or secret is missing. */
  readonly requireCredentials?: boolean;
}

const KEYS = [
  "BITUNIX_BASE_URL",
  "BITUNIX_WS_URL",
  "BITUNIX_API_KEY",
  "BITUNIX_API_SECRET",
] as const;

/** A URL whose protocol is one of `protocols` (`"https:"`); `what` is the error text. */
export const urlWith = (protocols: string[], what: string) =>
  z.string().trim().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, what);

/** A base URL: {@link urlWith}, its trailing slashes cut. */
export const baseUrlWith = (protocols: string[], what: string) =>
  urlWith(protocols, what).transform((v) => v.replace(/\/+$/, ""));

const credential = z.string().trim().min(1, "a non-empty value").regex(
  /^[\x21-\x7e]+$/,
  "printable characters without spaces",
);

const envSchema = z.object({
  BITUNIX_BASE_URL: baseUrlWith(
    ["https:", "http:"],
    "an http(s) URL, e.g. https://fapi.bitunix.com",
  ).default(DEFAULT_BITUNIX_BASE_URL),
  BITUNIX_WS_URL: baseUrlWith(["wss:", "ws:"], "a ws(s) URL, e.g. wss://fapi.bitunix.com")
    .default(DEFAULT_BITUNIX_WS_URL),
  BITUNIX_API_KEY: credential.optional(),
  BITUNIX_API_SECRET: credential.optional(),
});

/**
 * Parses `.env` text: `KEY=VALUE` lines, optional `export ` prefix, `#` comments, values
 * optionally in single or double quotes. Returns only keys that look like env names.
 */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if (
      (v.startsWith('"') && v.endsWith('"') && v.length >= 2) ||
      (v.startsWith("'") && v.endsWith("'") && v.length >= 2)
    ) {
      v = v.slice(1, -1);
    } else {
      const hash = v.indexOf(" #");
      if (hash !== -1) v = v.slice(0, hash);
      v = v.trim();
    }
    out[m[1]] = v;
  }
  return out;
}

/** Reads and parses a `.env` file; a missing file is empty, an unreadable one an InputError. */
function readDotEnv(path: string): Record<string, string> {
  try {
    return parseDotEnv(Deno.readTextFileSync(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw new InputError(`env file ${path}`, `a readable file (${(e as Error).name})`);
  }
}

/** Settings read by {@link readEnvKeys}: each value, and where it came from. */
export interface EnvValues {
  readonly values: Readonly<Record<string, string>>;
  readonly source: Readonly<Record<string, "env" | ".env">>;
}

/**
 * Reads `keys` from the environment, falling back to the `.env` file (the environment
 * wins). Empty values count as unset; keys set in neither are absent.
 */
export function readEnvKeys(keys: readonly string[], opts: EnvSourceOptions = {}): EnvValues {
  const getEnv = opts.getEnv ?? ((k: string) => Deno.env.get(k));
  const file = opts.useEnvFile === false ? {} : readDotEnv(opts.envFile ?? ".env");
  const values: Record<string, string> = {};
  const source: Record<string, "env" | ".env"> = {};
  for (const k of keys) {
    const fromEnv = getEnv(k);
    if (fromEnv !== undefined && fromEnv.trim() !== "") {
      values[k] = fromEnv;
      source[k] = "env";
    } else if (file[k] !== undefined && file[k].trim() !== "") {
      values[k] = file[k];
      source[k] = ".env";
    }
  }
  return { values, source };
}

/**
 * Reads BITUNIX_BASE_URL, BITUNIX_WS_URL, BITUNIX_API_KEY and BITUNIX_API_SECRET from the
 * environment, falling back to `.env`. Empty values count as unset. Bad values raise an
 * InputError naming the variable (never echoing a credential).
 */
export function loadBitunixEnv(opts: LoadBitunixEnvOptions = {}): BitunixEnv {
  const { values, source } = readEnvKeys(KEYS, opts);
  const r = envSchema.safeParse(values);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new InputError(String(issue.path[0] ?? "BITUNIX settings"), issue.message);
  }
  const env: BitunixEnv = {
    baseUrl: r.data.BITUNIX_BASE_URL,
    wsUrl: r.data.BITUNIX_WS_URL,
    apiKey: r.data.BITUNIX_API_KEY,
    apiSecret: r.data.BITUNIX_API_SECRET,
    source: { apiKey: source.BITUNIX_API_KEY, apiSecret: source.BITUNIX_API_SECRET },
  };
  if (opts.requireCredentials) {
    const missing = [!env.apiKey && "BITUNIX_API_KEY", !env.apiSecret && "BITUNIX_API_SECRET"]
      .filter(Boolean);
    if (missing.length) {
      throw new InputError(missing.join(" and "), "set in the environment or .env");
    }
  }
  return env;
}

/** Masks an API key for display: first 4 characters and the length. */
export function maskKey(key: string | undefined): string | undefined {
  if (!key) return undefined;
  return `${key.slice(0, 4)}… (${key.length} chars)`;
}

/** A copy safe to log or store: the secret becomes `***`, the key is masked. */
export function redactBitunixEnv(env: BitunixEnv): Record<string, unknown> {
  return {
    baseUrl: env.baseUrl,
    wsUrl: env.wsUrl,
    apiKey: maskKey(env.apiKey) ?? null,
    apiSecret: env.apiSecret ? "***" : null,
    source: env.source,
  };
}

/** Replaces every occurrence of the given secrets in `text` with `***`. */
export function redactText(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("***");
  return out;
}
