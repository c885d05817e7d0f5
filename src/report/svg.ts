/** Minimal SVG building blocks shared by the plots: escaping, elements, a document wrapper. No DOM needed. */

/** Escape text for use in SVG/XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** Attribute values: numbers are rounded to 2 decimals to keep files small and diffs stable. */
type AttrValue = string | number | undefined;

function attrs(attributes: Record<string, AttrValue>): string {
  return Object.entries(attributes)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? formatNumber(v) : escapeXml(v as string)}"`)
    .join('');
}

/** Format a coordinate: at most 2 decimals, no trailing zeros. */
export function formatNumber(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** A self-closing or text-bearing SVG element. */
export function element(name: string, attributes: Record<string, AttrValue>, content?: string): string {
  return content === undefined ? `<${name}${attrs(attributes)}/>` : `<${name}${attrs(attributes)}>${content}</${name}>`;
}

/** A `<text>` element whose content is escaped. */
export function text(x: number, y: number, content: string, extra: Record<string, AttrValue> = {}): string {
  return element('text', { x, y, ...extra }, escapeXml(content));
}

/** A `<title>` element (tooltip) whose content is escaped. */
export function tooltip(content: string): string {
  return element('title', {}, escapeXml(content));
}

/**
 * A complete standalone SVG document with a `<title>` (shown by viewers as a tooltip, read by screen readers) and
 * the shared stylesheet of bertvision plots.
 */
export function svgDocument(width: number, height: number, title: string, body: string[]): string {
  const style =
    'text{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:#222}' +
    '.axis line,.axis path{stroke:#888;stroke-width:1;fill:none}.axis text{font-size:11px;fill:#555}' +
    '.grid line{stroke:#e5e5e5;stroke-width:1}.title{font-size:15px;font-weight:600}.label{font-size:12px;fill:#444}';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
    tooltip(title),
    element('style', {}, style),
    element('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
