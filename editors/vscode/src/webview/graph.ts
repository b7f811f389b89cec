/**
 * The graph page: shows the SVG picture the extension sends, marks the nodes with problems,
 * lists the flow's diagnostics, and tells the extension which node was clicked.
 */
import { element, vscodeApi } from './vscodeApi.js';

interface Problem {
  id: string;
  level: string;
  marks: string[];
  messages: string[];
}
interface Diagnostic {
  index: number;
  name: string;
  severity: string;
  message: string;
  line: number | null;
}
type Message =
  | { type: 'loading'; flow: string }
  | { type: 'graph'; flow: string; svg: string; start?: string; problems: Problem[]; diagnostics: Diagnostic[]; warning?: string }
  | { type: 'error'; flow: string; message: string; detail: string };

const api = vscodeApi();
const app = document.getElementById('app')!;

const toolbar = element('div', 'toolbar');
const title = element('span', 'title', 'Flow graph');
const status = element('span', 'status');
const zoomOut = element('button', 'zoom-out', '−');
const zoomFit = element('button', 'zoom-fit', 'Fit');
const zoomIn = element('button', 'zoom-in', '+');
const refresh = element('button', 'refresh', 'Refresh');
zoomOut.title = 'Smaller';
zoomIn.title = 'Larger';
zoomFit.title = 'Fit the picture to the panel';
toolbar.append(title, status, zoomOut, zoomFit, zoomIn, refresh);
const warning = element('div', 'warning');
const canvas = element('div', 'canvas');
const problemsBox = element('div', 'problems');
app.append(toolbar, warning, canvas, problemsBox);

/** 0: fit to the panel; otherwise a factor of the picture's own size. Undefined: not chosen yet. */
let scale: number | undefined;
function applyScale(): void {
  const svg = canvas.querySelector('svg');
  if (!svg) return;
  if (scale === undefined) {
    // A picture a little wider than the panel is shrunk to fit; a much wider one (a big flow)
    // is shown at its own size, to be scrolled, because shrunk it cannot be read.
    const natural = (svg.viewBox.baseVal?.width || svg.getBBox().width) * (96 / 72);
    scale = natural <= canvas.clientWidth * 1.6 ? 0 : 1;
  }
  if (scale === 0) {
    svg.style.width = '100%';
    svg.style.height = 'auto';
    svg.style.maxHeight = 'none';
  } else {
    const width = svg.viewBox.baseVal?.width || svg.getBBox().width;
    svg.style.width = `${Math.round(width * (96 / 72) * scale)}px`;
    svg.style.height = 'auto';
  }
}
zoomIn.addEventListener('click', () => {
  scale = (scale || 1) * 1.25;
  applyScale();
});
zoomOut.addEventListener('click', () => {
  scale = (scale || 1) / 1.25;
  applyScale();
});
zoomFit.addEventListener('click', () => {
  scale = 0;
  applyScale();
});
refresh.addEventListener('click', () => api.postMessage({ type: 'refresh' }));

/** The names a Graphviz node goes by: its id attribute and its <title>. */
function nodeKeys(node: Element): string[] {
  const keys: string[] = [];
  const id = node.getAttribute('id');
  const titleText = node.querySelector(':scope > title')?.textContent?.trim();
  if (titleText) keys.push(titleText);
  if (id) keys.push(id);
  return keys;
}

function show(message: Message): void {
  title.textContent = `Flow graph: ${message.flow}`;
  if (message.type === 'loading') {
    status.textContent = 'Drawing…';
    app.classList.add('loading');
    return;
  }
  app.classList.remove('loading');
  status.textContent = '';
  warning.textContent = '';
  problemsBox.replaceChildren();
  if (message.type === 'error') {
    const box = element('div', 'error');
    box.append(element('p', 'error-message', message.message), element('pre', 'error-detail', message.detail));
    canvas.replaceChildren(box);
    return;
  }
  if (message.warning) warning.textContent = message.warning;
  canvas.innerHTML = message.svg;
  const problems = new Map(message.problems.map((problem) => [problem.id, problem]));
  canvas.querySelectorAll('g.node').forEach((node) => {
    const keys = nodeKeys(node);
    node.classList.add('clickable');
    node.addEventListener('click', () => api.postMessage({ type: 'jump', keys }));
    const problem = keys.map((key) => problems.get(key) ?? problems.get(`state:${key}`)).find((p) => p !== undefined);
    if (problem) {
      node.classList.add('problem', `problem-${problem.level}`);
      for (const mark of problem.marks) node.classList.add(`mark-${mark}`);
      const tooltip = document.createElementNS('http://www.w3.org/2000/svg', 'title');
      tooltip.textContent = [...keys.slice(0, 1), ...problem.messages, ...problem.marks.map((m) => `(${m})`)].join('\n');
      node.querySelector(':scope > title')?.remove();
      node.prepend(tooltip);
    }
  });
  const firstDrawing = scale === undefined;
  applyScale();
  // A picture wider than the panel opens with its start state in view.
  const startNode = message.start ? Array.from(canvas.querySelectorAll('g.node')).find((node) => nodeKeys(node).includes(message.start!)) : undefined;
  if (firstDrawing && startNode && canvas.scrollWidth > canvas.clientWidth) {
    const box = startNode.getBoundingClientRect();
    const frame = canvas.getBoundingClientRect();
    canvas.scrollLeft += box.left + box.width / 2 - (frame.left + frame.width / 2);
  }
  if (message.diagnostics.length > 0) {
    const heading = element('h3', undefined, `Problems in this flow (${message.diagnostics.length})`);
    const list = element('ul');
    for (const diagnostic of message.diagnostics) {
      const item = element('li', `diagnostic severity-${diagnostic.severity}`);
      item.append(
        element('span', 'severity', diagnostic.severity),
        element('span', 'name', diagnostic.name),
        element('span', 'message', diagnostic.message),
        element('span', 'line', diagnostic.line !== null ? `line ${diagnostic.line}` : ''),
      );
      item.addEventListener('click', () => api.postMessage({ type: 'jumpDiagnostic', index: diagnostic.index }));
      list.append(item);
    }
    problemsBox.append(heading, list);
  }
}

window.addEventListener('message', (event: MessageEvent<Message>) => show(event.data));
api.postMessage({ type: 'ready' });
