// The widget page's first script (SPEC §1.3, §1.9). Classic and ES5 on purpose: it must run in
// every engine a desktop may embed, those without modules, URLSearchParams or WebAssembly (the
// Internet Explorer control of older desktop clients) included, and before the wasm is fetched.
//
// 1. It takes the launch parameters out of the address bar at once: `apikey` from the query and
//    `launch` from the fragment (a signed launch link, SPEC §6), so neither stays where a
//    screenshot, the history or a script reading the URL later would find it, even when the
//    wasm never loads.
// 2. It hands the URL as it was to the wasm, once: `window.deskgateLaunch()` returns it the first
//    time and an empty string after that (boot.js calls it, then deletes it).
// 3. Where WebAssembly is missing it writes a sentence into the widget's card instead of leaving
//    a blank frame; where it is there, it asks for the wasm (boot.js, a module script, runs
//    after it and instantiates it).
(function () {
  var NO_WASM = 'This browser cannot run deskgate: WebAssembly is missing or switched off. ' +
    'Ask your administrator for a current browser (Chrome, Edge, Firefox or Safari) with WebAssembly on.';
  var loc = window.location;
  var original = loc.href;
  var query = without(loc.search.replace(/^\?/, ''), 'apikey');
  var fragment = without(loc.hash.replace(/^#/, ''), 'launch');
  var clean = loc.pathname + (query ? '?' + query : '') + (fragment ? '#' + fragment : '');
  var hasWasm = typeof WebAssembly === 'object' && WebAssembly !== null &&
    typeof WebAssembly.instantiate === 'function';

  if (clean !== loc.pathname + loc.search + loc.hash) {
    if (window.history && typeof window.history.replaceState === 'function') {
      window.history.replaceState(null, '', clean);
    } else if (!hasWasm) {
      // No history API (older engines): nothing will read the parameters here, so reload
      // without them rather than leave the key in the address bar.
      loc.replace(clean);
      return;
    }
  }

  window.deskgateLaunch = function () {
    var href = original;
    original = '';
    return href;
  };

  if (hasWasm) {
    var preload = document.createElement('link');
    preload.rel = 'preload';
    preload.as = 'fetch';
    preload.type = 'application/wasm';
    preload.crossOrigin = 'anonymous';
    preload.href = '/static/pkg/widget_bg.wasm';
    document.getElementsByTagName('head')[0].appendChild(preload);
    return;
  }
  original = '';
  whenReady(function () {
    var card = document.getElementById('deskgate');
    if (!card) return;
    card.setAttribute('data-state', 'failed');
    card.setAttribute('data-failure', 'no_webassembly');
    var nodes = card.getElementsByTagName('p');
    for (var i = 0; i < nodes.length; i += 1) {
      if (/(^| )status( |$)/.test(nodes[i].className)) {
        nodes[i].innerHTML = '';
        nodes[i].appendChild(document.createTextNode(NO_WASM));
      }
    }
  });

  // `query` (a=1&b=2, no leading ? or #) without every parameter whose decoded name is `name`,
  // the other parameters kept byte for byte and in order. Names are decoded as the URL parser
  // decodes them (`+` is a space, `%6B` a `k`), so an encoded `api%6Bey` is removed too.
  function without(query, name) {
    if (!query) return '';
    var kept = [];
    var parts = query.split('&');
    for (var i = 0; i < parts.length; i += 1) {
      var raw = parts[i].split('=')[0].replace(/\+/g, ' ');
      var decoded = raw;
      try {
        decoded = decodeURIComponent(raw);
      } catch (e) {
        // A stray `%`: the URL parser keeps such a name as it is, and so do we.
      }
      if (decoded !== name) kept.push(parts[i]);
    }
    return kept.join('&');
  }

  function whenReady(run) {
    if (document.readyState !== 'loading') run();
    else if (document.addEventListener) document.addEventListener('DOMContentLoaded', run, false);
    else if (document.attachEvent) {
      document.attachEvent('onreadystatechange', function () {
        if (document.readyState === 'complete') run();
      });
    }
  }
})();
