/**
 * Lists past runs for the dashboard: every `runs/<id>/stats.json` (+ `config.json`),
 * newest first. `latest`, hidden folders and broken folders are skipped; broken ones
 * come back with a one-line note.
 *
 * @module
 */
import { z } from "zod";
import type { RunParamValue, RunSettings, RunSummary } from "../core/run_summary.ts";

/** A folder that was not listed, and why. */
export interface SkippedRun {
  readonly id: string;
  readonly note: string;
}

/** Result of {@link listRuns}. */
export interface RunHistory {
  /** Newest first. */
  readonly runs: RunSummary[];
  readonly skipped: SkippedRun[];
}

const finite = z.number().finite();

/** zod schema of the `stats.json` keys the history shows. */
export const RunStatsSummarySchema = z.object({
  start_equity: finite,
  end_equity: finite,
  net_pnl: finite,
  return_pct: finite,
  trades: z.number().int().nonnegative(),
  win_rate: finite,
  max_drawdown_pct: finite,
  profit_factor: finite.nullable().optional(),
  sharpe: finite.optional(),
  fees: finite.optional(),
});

const timeValue = z.union([finite, z.string().max(64)]);

/** A display-only field: a value of the wrong shape is left out, not an error. */
const shown = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
const param = z.union([finite, z.string().max(64), z.boolean()]);

/**
 * zod schema of the `config.json` keys the history shows (everything else is ignored).
 * Backtests write the trading settings flat (`risk_pct`, `intrabar_mode`, ...), sessions
 * and orchestrated runs under `params` (`riskPct`, `intrabar`, ...).
 */
export const RunConfigSummarySchema = z.looseObject({
  mode: z.string().max(64).optional(),
  symbol: z.string().max(32).optional(),
  startedAt: timeValue.optional(),
  started_at: timeValue.optional(),
  strategy: shown(z.string().max(64)),
  strategy_params: shown(z.record(z.string().max(32), param)),
  interval: shown(z.string().max(16)),
  risk_pct: shown(finite),
  stop_bps: shown(finite),
  tp_r: shown(finite),
  max_leverage: shown(finite),
  intrabar_mode: shown(z.string().max(16)),
  params: shown(z.looseObject({
    riskPct: shown(finite),
    stopBps: shown(finite),
    tpR: shown(finite),
    maxLeverage: shown(finite),
    intrabar: shown(z.string().max(16)),
  })),
});

/** Most strategy parameters listed for one run. */
const MAX_PARAMS = 12;

function settingsOf(c: z.infer<typeof RunConfigSummarySchema>): RunSettings {
  const p = c.params;
  const out: Record<string, string | number> = {};
  const put = (k: keyof RunSettings, v: string | number | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  put("interval", c.interval);
  put("risk_pct", c.risk_pct ?? p?.riskPct);
  put("stop_bps", c.stop_bps ?? p?.stopBps);
  put("tp_r", c.tp_r ?? p?.tpR);
  put("max_leverage", c.max_leverage ?? p?.maxLeverage);
  put("intrabar", c.intrabar_mode ?? p?.intrabar);
  return out;
}

/** Same rule as the dashboard: letters, digits, `.`, `_`, `-`; no `..`; <= 128 chars. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** True when `id` is a safe run folder name (no path separators, no `..`). */
export function isValidRunId(id: string): boolean {
  return RUN_ID.test(id) && !id.includes("..");
}

function toMs(v: number | string | undefined): number | null {
  if (v === undefined) return null;
  if (typeof v === "number") return v;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : null;
}

/** Start time encoded in ids like `20261124-091500-backtest-3f9a` (UTC), or null. */
export function timeFromRunId(id: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(id);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isFinite(ms) ? ms : null;
}

async function readJson(path: string): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: JSON.parse(await Deno.readTextFile(path)) };
  } catch {
    return { ok: false };
  }
}

function issueText(e: z.ZodError): string {
  const issue = e.issues[0];
  return `${issue?.path.join(".") || "record"}: ${issue?.message ?? "invalid"}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function readRun(
  runsDir: string,
  id: string,
): Promise<RunSummary | SkippedRun> {
  const dir = `${runsDir}/${id}`;
  const statsPath = `${dir}/stats.json`;
  let mtime: number | null = null;
  try {
    mtime = (await Deno.stat(statsPath)).mtime?.getTime() ?? null;
  } catch {
    return { id, note: "no stats.json" };
  }
  const statsJson = await readJson(statsPath);
  if (!statsJson.ok) return { id, note: "stats.json is not valid JSON" };
  const stats = RunStatsSummarySchema.safeParse(statsJson.value);
  if (!stats.success) return { id, note: `stats.json: ${issueText(stats.error)}` };

  let config: z.infer<typeof RunConfigSummarySchema> = {};
  const configPath = `${dir}/config.json`;
  if (await exists(configPath)) {
    const configJson = await readJson(configPath);
    if (!configJson.ok) return { id, note: "config.json is not valid JSON" };
    const parsed = RunConfigSummarySchema.safeParse(configJson.value);
    if (!parsed.success) return { id, note: `config.json: ${issueText(parsed.error)}` };
    config = parsed.data;
  }
  const time = toMs(config.startedAt) ?? toMs(config.started_at) ?? timeFromRunId(id) ??
    mtime ?? 0;
  return {
    id,
    time,
    mode: config.mode ?? null,
    symbol: config.symbol ?? null,
    strategy: config.strategy ?? null,
    strategyParams: Object.fromEntries(
      Object.entries(config.strategy_params ?? {}).slice(0, MAX_PARAMS),
    ) as Record<string, RunParamValue>,
    settings: settingsOf(config),
    stats: stats.data,
    hasSummary: await exists(`${dir}/summary.html`),
  };
}

/**
 * Lists the runs under `runsDir`, newest first (ties: id descending). A missing runs
 * folder is an empty history. `latest` (a link or copy of another run) and hidden
 * folders (`.tmp-*`) are not listed; folders without valid `stats.json` or with a broken
 * `config.json` are returned in `skipped` with a note.
 */
export async function listRuns(runsDir: string): Promise<RunHistory> {
  const ids: string[] = [];
  const skipped: SkippedRun[] = [];
  try {
    for await (const entry of Deno.readDir(runsDir)) {
      if (!entry.isDirectory || entry.name === "latest" || entry.name.startsWith(".")) continue;
      if (!isValidRunId(entry.name)) {
        skipped.push({ id: entry.name, note: "folder name is not a run id" });
        continue;
      }
      ids.push(entry.name);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { runs: [], skipped: [] };
    throw e;
  }
  const runs: RunSummary[] = [];
  for (const result of await Promise.all(ids.map((id) => readRun(runsDir, id)))) {
    if ("note" in result) skipped.push(result);
    else runs.push(result);
  }
  runs.sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  skipped.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { runs, skipped };
}

/**
 * Reads `runsDir/<runId>/summary.html`, or null when the id is not a safe run id or the
 * file does not exist. The id is checked here too, so no caller can walk out of the folder.
 */
export async function readRunSummaryHtml(runsDir: string, runId: string): Promise<string | null> {
  if (!isValidRunId(runId)) return null;
  try {
    return await Deno.readTextFile(`${runsDir}/${runId}/summary.html`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
    throw e;
  }
}
