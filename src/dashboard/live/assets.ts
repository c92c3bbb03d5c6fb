/**
 * The page and its static files, imported as text so they live inside the compiled
 * binary (nothing reads the source tree at run time).
 *
 * @module
 */
import page from "../static/index.html" with { type: "text" };
import appJs from "../static/app.js" with { type: "text" };
import styleCss from "../static/style.css" with { type: "text" };
import chartJs from "../static/vendor/chart.umd.min.js" with { type: "text" };

/** One static file as served. */
export interface StaticAsset {
  readonly body: string;
  readonly contentType: string;
  readonly cacheControl: string;
}

/** The page template; `{{TOKEN}}` is replaced with the per-process token. */
export const PAGE_TEMPLATE: string = page;

/** Files under `/static/`, keyed by path below it. */
export const STATIC_ASSETS: ReadonlyMap<string, StaticAsset> = new Map([
  ["app.js", {
    body: appJs,
    contentType: "text/javascript; charset=utf-8",
    cacheControl: "no-cache",
  }],
  ["style.css", {
    body: styleCss,
    contentType: "text/css; charset=utf-8",
    cacheControl: "no-cache",
  }],
  ["vendor/chart.umd.min.js", {
    body: chartJs,
    contentType: "text/javascript; charset=utf-8",
    cacheControl: "public, max-age=86400",
  }],
]);
