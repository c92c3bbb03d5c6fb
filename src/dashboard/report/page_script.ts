/**
 * Browser script of `summary.html` (see `page_script.js`): draws the equity, drawdown,
 * price and trade P&L charts with Chart.js (inlined before it), zooms and pans the time
 * charts, and sorts and pages the trade table. When done it sets
 * `document.body.dataset.chartsReady` to the number of charts created.
 *
 * @module
 */
import source from "./page_script.js" with { type: "text" };

/** The script's source text, inlined into the page. */
export const PAGE_SCRIPT: string = source;
