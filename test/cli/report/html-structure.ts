/** Tiny HTML checks for tests: tag balance and attribute extraction, enough for our own output. */

const VOID = new Set(['meta', 'link', 'br', 'hr', 'img', 'input', 'source', 'area', 'base', 'col', 'wbr']);

/** Throws naming the first unbalanced tag; SVG self-closing elements (`<line/>`) are allowed. */
export function assertBalanced(html: string): void {
  const body = html.replace(/<!doctype[^>]*>/i, '').replace(/<style>[\s\S]*?<\/style>/g, '<style></style>');
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    const tag = name!.toLowerCase();
    if (selfClosing || VOID.has(tag)) continue;
    if (!closing) { stack.push(tag); continue; }
    const open = stack.pop();
    if (open !== tag) throw new Error(`</${tag}> closes <${open}> at offset ${m.index}`);
  }
  if (stack.length) throw new Error(`unclosed tags: ${stack.join(', ')}`);
  // Any '<' left that is not a tag would be unescaped text.
  const stray = body.replace(/<\/?[a-zA-Z][^>]*>/g, '').indexOf('<');
  if (stray >= 0) throw new Error(`a raw '<' in text near: ${body.slice(stray - 40, stray + 40)}`);
}

/** The values of `attr` on elements matching `selector` (a tag plus a required class fragment). */
export function attrs(html: string, tag: string, cls: string, attr: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(new RegExp(`<${tag}\\b[^>]*>`, 'g'))) {
    const el = m[0];
    if (!new RegExp(`class="${cls}"`).test(el)) continue;
    const v = new RegExp(`\\s${attr}="([^"]*)"`).exec(el);
    if (v) out.push(v[1]!);
  }
  return out;
}
