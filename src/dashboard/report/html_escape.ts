/** Escaping for text placed into `summary.html`. */

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON for a `<script type="application/json">` block: every `<` becomes `\u003c`, so
 * no `</script>` or `<!--` can end or alter the block; `JSON.parse` restores the text.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * Makes JavaScript source safe to inline in a `<script>` element: `</script` and `<!--`
 * could end the element early or change how the parser reads it. Both only occur inside
 * string or regex literals in real code, where `<\/` and `<\!--` mean the same text.
 */
export function inlineScriptSource(source: string): string {
  return source.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}
