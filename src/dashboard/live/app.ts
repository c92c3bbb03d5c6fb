/**
 * The live dashboard as a Hono app. No port is opened here: `app/` serves it with
 * `Deno.serve`, tests call `app.request()`.
 *
 * @module
 */
import { Hono } from "hono";
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { PAGE_TEMPLATE, STATIC_ASSETS } from "./assets.ts";
import type { DashboardDeps } from "./deps.ts";
import {
  firstIssue,
  hostHeaderSchema,
  logsQuerySchema,
  runIdSchema,
  tokenHeaderSchema,
} from "./schemas.ts";
import { serveEvents } from "./sse.ts";
import { buildState } from "./state.ts";

const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/** A run's summary.html is self-contained (inline chart.js) and may not call the API. */
const SUMMARY_CSP = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  "img-src data:",
  "frame-ancestors 'none'",
].join("; ");

const killBodySchema = z.object({ reason: z.string().max(200).optional() }).strict();

/** Compares two strings in time that depends only on their length. */
function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function hostGuard(allowed: ReadonlySet<string>): MiddlewareHandler {
  return async (c, next) => {
    const parsed = hostHeaderSchema.safeParse(
      c.req.header("host") ?? new URL(c.req.url).host,
    );
    if (!parsed.success) return c.json({ error: firstIssue(parsed.error) }, 400);
    if (!allowed.has(parsed.data.toLowerCase())) {
      return c.json({ error: "host not allowed" }, 403);
    }
    await next();
  };
}

/**
 * Builds the dashboard app.
 *
 * Routes: `GET /` (page), `GET /static/*`, `GET /api/state`, `GET /api/logs`,
 * `GET /api/runs`, `GET /runs/:id/summary.html`, `GET /api/events` (SSE) and
 * `POST /api/kill-switch` (needs the `x-dashboard-token` header). Every request whose
 * Host header is not in `deps.allowedHosts` gets 403 (DNS rebinding).
 */
export function createDashboard(deps: DashboardDeps): Hono {
  const app = new Hono();
  const allowed = new Set(deps.allowedHosts.map((h) => h.toLowerCase()));
  const origins = new Set([...allowed].map((h) => `http://${h}`));
  const page = PAGE_TEMPLATE.replaceAll("{{TOKEN}}", deps.token);

  app.use("*", async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Frame-Options", "DENY");
    if (!c.res.headers.has("Content-Security-Policy")) {
      c.header("Content-Security-Policy", PAGE_CSP);
    }
  });
  app.use("*", hostGuard(allowed));

  app.onError((_err, c) => c.json({ error: "internal error" }, 500));
  app.notFound((c) => c.json({ error: "not found" }, 404));

  app.get("/", (c) => {
    c.header("Cache-Control", "no-store");
    return c.html(page);
  });

  app.get("/static/*", (c) => {
    const name = c.req.path.slice("/static/".length);
    const asset = STATIC_ASSETS.get(name);
    if (asset === undefined) return c.json({ error: "not found" }, 404);
    c.header("Content-Type", asset.contentType);
    c.header("Cache-Control", asset.cacheControl);
    return c.body(asset.body);
  });

  app.get("/api/state", async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(await buildState(deps));
  });

  app.get("/api/logs", async (c) => {
    const parsed = logsQuerySchema.safeParse(c.req.query());
    if (!parsed.success) return c.json({ error: firstIssue(parsed.error) }, 400);
    const { level, limit } = parsed.data;
    const fromFile = await deps.logs.tail(limit, level);
    const rank = { debug: 0, info: 1, warn: 2, error: 3 } as const;
    const seen = new Set(fromFile.map((r) => JSON.stringify(r)));
    const fromModel = deps.readModel.snapshot().logs.filter((r) =>
      rank[r.level] >= rank[level] && !seen.has(JSON.stringify(r))
    );
    const merged = [...fromFile, ...fromModel]
      .map((r, i) => ({ r, i }))
      .sort((a, b) => (a.r.ts < b.r.ts ? -1 : a.r.ts > b.r.ts ? 1 : a.i - b.i))
      .map((x) => x.r)
      .slice(-limit);
    c.header("Cache-Control", "no-store");
    return c.json({ level, limit, logs: merged });
  });

  app.get("/api/runs", async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({ runs: await deps.runs.list() });
  });

  app.get("/runs/:id/summary.html", async (c) => {
    const parsed = runIdSchema.safeParse(c.req.param("id"));
    if (!parsed.success) return c.json({ error: firstIssue(parsed.error) }, 400);
    const html = await deps.runs.summaryHtml(parsed.data);
    if (html === null) return c.json({ error: "no summary for that run" }, 404);
    c.header("Content-Security-Policy", SUMMARY_CSP);
    c.header("Cache-Control", "no-cache");
    return c.html(html);
  });

  app.get("/api/events", (c) => serveEvents(c, deps));

  app.post("/api/kill-switch", async (c) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && !origins.has(origin.toLowerCase())) {
      return c.json({ error: "origin not allowed" }, 403);
    }
    const token = tokenHeaderSchema.safeParse(c.req.header("x-dashboard-token"));
    if (!token.success || !sameToken(token.data, deps.token)) {
      return c.json({ error: "missing or wrong x-dashboard-token" }, 403);
    }
    const text = await c.req.text();
    if (text.trim() !== "") {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return c.json({ error: "body must be JSON" }, 400);
      }
      const body = killBodySchema.safeParse(json);
      if (!body.success) return c.json({ error: firstIssue(body.error) }, 400);
    }
    await deps.killSwitch.trip();
    return c.json({ killSwitch: await deps.killSwitch.read() });
  });

  return app;
}
