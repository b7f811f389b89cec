/**
 * Makes the SVG that `csflow graph` printed safe to put inside the webview's page: the page
 * runs with scripts only from the extension, and a picture must never bring its own.
 */
export function sanitizeSvg(svg: string): string {
  let text = svg;
  text = text.replace(/<\?xml[\s\S]*?\?>/g, '');
  text = text.replace(/<!DOCTYPE[\s\S]*?>/gi, '');
  text = text.replace(/<!--[\s\S]*?-->/g, '');
  text = text.replace(/<script[\s\S]*?<\/script\s*>/gi, '');
  text = text.replace(/<script[^>]*\/>/gi, '');
  text = text.replace(/<foreignObject[\s\S]*?<\/foreignObject\s*>/gi, '');
  // Event attributes (onclick=…) and script links.
  text = text.replace(/\son[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, '');
  text = text.replace(/(href\s*=\s*["'])\s*javascript:[^"']*(["'])/gi, '$1#$2');
  const start = text.search(/<svg[\s>]/i);
  if (start < 0) throw new Error('csflow graph printed no <svg> picture');
  return text.slice(start).trim();
}
