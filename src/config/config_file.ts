import { z } from "zod";
import { InputError } from "../core/errors.ts";

const configFileSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_-]*$/, 'flag-style keys like "risk-pct"'),
  z.union([z.string(), z.number(), z.boolean()]),
);

/**
 * Turns a JSON config file's text into argv-style flags placed before the command-line
 * flags, so the same schemas validate both and flags given on the command line win.
 */
export function configTextToArgv(text: string, path: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`config file ${path}`, `valid JSON (${(e as Error).message})`);
  }
  const r = configFileSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new InputError(
      `config file ${path}${issue?.path.length ? ` key ${issue.path.join(".")}` : ""}`,
      issue?.message ?? "an object of flag values",
    );
  }
  const argv: string[] = [];
  for (const [k, v] of Object.entries(r.data)) {
    if (typeof v === "boolean") argv.push(`--${k}=${v}`);
    else argv.push(`--${k}`, String(v));
  }
  return argv;
}
