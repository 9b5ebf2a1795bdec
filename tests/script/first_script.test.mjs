// The widget page's first script (www/public/static/first.js), run as an engine without modules,
// URLSearchParams or URL would run it: a classic script in a fresh global (node:vm), with only
// the page objects it may touch. It must parse as ECMAScript 5, take `apikey` and a `#launch`
// fragment out of the address bar keeping everything else byte for byte, hand the original URL
// over once, and, without WebAssembly, write its sentence into the card. The browser tiers run
// the same file in real engines (tests/browser, tests/engines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { parse } from 'acorn';
import { REPO } from '../support/env.mjs';

const SOURCE = readFileSync(join(REPO, 'www', 'public', 'static', 'first.js'), 'utf8');
const ORIGIN = 'https://acme.localhost';
const PAGE = `${ORIGIN}/v2/widget/liveengage`;

test('first.js is ECMAScript 5, a classic script', () => {
  assert.doesNotThrow(() => parse(SOURCE, { ecmaVersion: 5, sourceType: 'script' }));
  // The checker itself refuses what ES5 engines cannot parse.
  assert.throws(() => parse('const a = () => `x`;', { ecmaVersion: 5, sourceType: 'script' }));
});

/** Runs first.js on a page at `href`; returns what it did. */
function run(href, { wasm = true, history = true, readyState = 'loading' } = {}) {
  const parts = /^([^?#]*)(\?[^#]*)?(#.*)?$/.exec(href.slice(ORIGIN.length));
  const location = {
    href, pathname: parts[1], search: parts[2] ?? '', hash: parts[3] ?? '',
    replace(url) { done.reloaded = url; },
  };
  const done = { replaced: [], appended: [], reloaded: null };
  const attributes = {};
  const status = { className: 'status', innerHTML: 'Signing you in…', children: [], appendChild(n) { this.children.push(n.text); } };
  const card = {
    setAttribute(name, value) { attributes[name] = value; },
    getElementsByTagName: (tag) => (tag === 'p' ? [status] : []),
  };
  const listeners = {};
  const document = {
    readyState,
    getElementById: (id) => (id === 'deskgate' ? card : null),
    getElementsByTagName: (tag) => (tag === 'head' ? [{ appendChild: (el) => done.appended.push(el) }] : []),
    createElement: (tag) => ({ tag }),
    createTextNode: (text) => ({ text }),
    addEventListener(type, listener) { listeners[type] = listener; },
  };
  const window = {
    location,
    history: history ? { replaceState(state, title, url) { done.replaced.push(url); } } : undefined,
  };
  const context = vm.createContext({ window, document });
  // A fresh global has V8's WebAssembly; an engine without it has none.
  if (!wasm) vm.runInContext('delete globalThis.WebAssembly;', context);
  assert.equal(vm.runInContext('typeof URLSearchParams + typeof URL', context), 'undefinedundefined');
  vm.runInContext(SOURCE, context, { filename: 'first.js' });
  return {
    ...done, window, attributes,
    status: () => status.children.join(''),
    ready: () => listeners.DOMContentLoaded?.(),
  };
}

test('the key and a launch fragment leave the address bar, everything else stays byte for byte', () => {
  const path = '/v2/widget/liveengage';
  const cases = [
    ['?apikey=k&agent_id=7&agent_name=A', `${path}?agent_id=7&agent_name=A`],
    ['?agent_id=7&apikey=k&apikey=again', `${path}?agent_id=7`],
    ['?apikey=k', path],
    ['?apikey', path],
    // Encoded as the URL parser decodes it: still the key.
    ['?api%6Bey=k&agent_id=7', `${path}?agent_id=7`],
    ['?x=%zz&apikey=k', `${path}?x=%zz`],
    ['?agent_name=Ada+Lovelace&apikey=k&agent_id=%C3%A9', `${path}?agent_name=Ada+Lovelace&agent_id=%C3%A9`],
    ['?apikeys=1&apikey=k', `${path}?apikeys=1`],
    ['?agent_id=7#launch=abc&x=1', `${path}?agent_id=7#x=1`],
    ['?apikey=k#launch=abc', path],
  ];
  for (const [query, clean] of cases) {
    const done = run(`${PAGE}${query}`);
    assert.deepEqual(done.replaced, [clean], query);
  }
  // Nothing to take out: the address bar is left alone.
  for (const query of ['?agent_id=7&agent_name=A', '', '#x=1']) {
    assert.deepEqual(run(`${PAGE}${query}`).replaced, [], query);
  }
});

test('the original URL is handed over once, and then forgotten', () => {
  const href = `${PAGE}?apikey=k&agent_id=7&agent_name=A#launch=abc`;
  const done = run(href);
  assert.equal(done.window.deskgateLaunch(), href);
  assert.equal(done.window.deskgateLaunch(), '');
});

test('with WebAssembly, the wasm is asked for and the card is left to the widget', () => {
  const done = run(`${PAGE}?apikey=k&agent_id=7&agent_name=A`);
  assert.deepEqual(done.appended, [{
    tag: 'link', rel: 'preload', as: 'fetch', type: 'application/wasm', crossOrigin: 'anonymous',
    href: '/static/pkg/widget_bg.wasm',
  }]);
  done.ready();
  assert.deepEqual(done.attributes, {});
});

test('without WebAssembly, the card says so, the wasm is not asked for and the key is not kept', () => {
  const done = run(`${PAGE}?apikey=k&agent_id=7&agent_name=A`, { wasm: false });
  assert.deepEqual(done.replaced, ['/v2/widget/liveengage?agent_id=7&agent_name=A']);
  assert.deepEqual(done.appended, []);
  assert.equal(done.window.deskgateLaunch(), '', 'nothing will use the key: it is dropped');
  assert.deepEqual(done.attributes, {}, 'the card is written once the page is parsed');
  done.ready();
  assert.deepEqual(done.attributes, { 'data-state': 'failed', 'data-failure': 'no_webassembly' });
  assert.match(done.status(), /^This browser cannot run deskgate: WebAssembly is missing or switched off\./);
  // A page already parsed is written at once.
  const late = run(`${PAGE}?agent_id=7`, { wasm: false, readyState: 'complete' });
  assert.equal(late.attributes['data-failure'], 'no_webassembly');
});

test('without WebAssembly or a history API, the page reloads without the key', () => {
  const done = run(`${PAGE}?apikey=k&agent_id=7`, { wasm: false, history: false });
  assert.equal(done.reloaded, '/v2/widget/liveengage?agent_id=7');
  assert.equal(done.window.deskgateLaunch, undefined);
});
