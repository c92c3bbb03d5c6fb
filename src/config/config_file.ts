import { z } from "zod";
import { InputError } from "../core/errors.ts";
import { type NotifySection, notifySectionSchema } from "./notify_config.ts";

const configFileSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_-]*$/, 'flag-style keys like "risk-pct"'),
  z.union([z.string(), z.number(), z.boolean()]),
);

/** A config file, read: flag values as argv, and its `notify` section if any. */
export interface ConfigFile {
  /** `--flag value` pairs to place before the command line's own flags. */
  readonly argv: string[];
  /** The `notify` section (which notification kinds each channel sends), validated. */
  readonly notify?: NotifySection;
}

function invalid(path: string, issue: z.core.$ZodIssue | undefined, prefix: string[] = []) {
  const at = [...prefix, ...(issue?.path ?? []).map(String)];
  return new InputError(
    `config file ${path}${at.length ? ` key ${at.join(".")}` : ""}`,
    issue?.message ?? "an object of flag values",
  );
}

/**
 * Reads a JSON config file's text: every key but `notify` is a flag value (checked later by
 * the command's own flag schemas, so flags given on the command line win); `notify` is an
 * object checked here (see `notify_config.ts`).
 */
export function parseConfigFile(text: string, path: string): ConfigFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`config file ${path}`, `valid JSON (${(e as Error).message})`);
  }
  let notify: NotifySection | undefined;
  if (json !== null && typeof json === "object" && !Array.isArray(json) && "notify" in json) {
    const { notify: section, ...rest } = json as Record<string, unknown>;
    const n = notifySectionSchema.safeParse(section);
    if (!n.success) throw invalid(path, n.error.issues[0], ["notify"]);
    notify = n.data;
    json = rest;
  }
  const r = configFileSchema.safeParse(json);
  if (!r.success) throw invalid(path, r.error.issues[0]);
  const argv: string[] = [];
  for (const [k, v] of Object.entries(r.data)) {
    if (typeof v === "boolean") argv.push(`--${k}=${v}`);
    else argv.push(`--${k}`, String(v));
  }
  return { argv, ...(notify ? { notify } : {}) };
}
