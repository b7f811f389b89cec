'use strict';
// The peer a team would otherwise write by hand: the same IVR tree (flowgen.js) as an XState
// v5 machine inside a plain node:http server with csflow-runtime's API shape —
// POST /v1/conversations {"flow"} -> 201 Turn, POST /v1/conversations/ID/input {"keys"} ->
// 200 Turn ({"id","status","state","outputs":[{"type":"say","text"}],"expecting":{"kind":
// "menu","options":[{"label","key"}]}}). One started actor per conversation, in memory.
// Usage: NODE_PATH=… node xstate_http.js N PORT PEERS_SRC   (prints "listening" when ready)
const http = require('node:http');
const crypto = require('node:crypto');
const [N, PORT, SRC] = [+process.argv[2] || 1000, +process.argv[3] || 8090, process.argv[4]];
const { buildFlow, toXStateConfig } = require(SRC + '/flowgen');
const { createMachine, createActor } = require('xstate');

const flow = buildFlow(N);
const byId = new Map(flow.map(s => ['s' + s.id, s]));
let said = null;
const machine = createMachine(toXStateConfig(flow), {
  actions: { say: (_, p) => { said = p.text; } },
});
const conversations = new Map();

function turn(id, actor) {
  const value = actor.getSnapshot().value;
  const state = byId.get(value);
  const ended = value === 'hangup';
  const out = { id, status: ended ? 'ended' : 'waiting', state: value,
    outputs: said === null ? [] : [{ type: 'say', text: said }] };
  if (!ended && state) {
    out.expecting = { kind: 'menu', options: state.choices.map((c, j) => ({ label: c.label, key: String(j + 1) })) };
  }
  said = null;
  return JSON.stringify(out);
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const error = (code, message) => JSON.stringify({ error: { code, message } });

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    let body;
    try { body = JSON.parse(Buffer.concat(chunks).toString() || '{}'); } catch { return send(res, 400, error('invalid_json', 'bad JSON')); }
    if (req.method === 'POST' && req.url === '/v1/conversations') {
      if (body.flow !== 'ivr') return send(res, 404, error('unknown_flow', 'no such flow'));
      const id = crypto.randomBytes(16).toString('hex');
      const actor = createActor(machine).start();
      conversations.set(id, actor);
      return send(res, 201, turn(id, actor));
    }
    const m = /^\/v1\/conversations\/([0-9a-f]{32})\/input$/.exec(req.url);
    if (req.method === 'POST' && m) {
      const actor = conversations.get(m[1]);
      if (!actor) return send(res, 404, error('unknown_conversation', 'no such conversation'));
      if (typeof body.keys !== 'string') return send(res, 400, error('invalid_body', 'keys'));
      actor.send({ type: body.keys });
      return send(res, 200, turn(m[1], actor));
    }
    send(res, 404, error('not_found', 'no such route'));
  });
});
// What a team serving 1,000 clients would set: keep-alive connections open for the whole
// run (node closes idle ones after 5 s, and a client reusing one that was just closed sees
// a reset), and a listen backlog for 1,000 clients connecting at once (node's default, 511,
// refused connections past it).
server.keepAliveTimeout = 120000;
server.headersTimeout = 125000;
server.listen({ port: PORT, host: '127.0.0.1', backlog: 4096 }, () => console.log('listening'));
