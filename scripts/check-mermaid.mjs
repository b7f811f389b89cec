// Parses each Mermaid file given with the real Mermaid parser (npm `mermaid`, in a jsdom
// window): `csflow graph --format mermaid` must give flowcharts that Markdown hosts render.
// Run by scripts/ci.d/graph.check.sh from a directory where mermaid and jsdom are installed.
import { JSDOM } from 'jsdom';
import fs from 'fs';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
let bad = 0;
for (const file of process.argv.slice(2)) {
  try {
    await mermaid.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    bad++;
    console.error(`${file}: not valid Mermaid: ${String(error.message || error).slice(0, 600)}`);
  }
}
console.log(`${process.argv.length - 2 - bad} of ${process.argv.length - 2} Mermaid files parse`);
process.exit(bad ? 1 : 0);
