const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text and attribute values for HTML and inline SVG. Every user-supplied string (study
 * names, labels, groups, architectures, error messages, the definition) goes through this;
 * quotes are escaped too so the same function is safe inside attribute values.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
