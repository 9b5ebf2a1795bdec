// Loads the widget's wasm, exposes its small API on window.deskgate, and signs in with the
// launch URL first.js took out of the address bar. Where first.js found no WebAssembly, it has
// already said so in the card, and nothing is loaded.
import init, { start, whoami, getIntegrationToken, signOut } from './pkg/widget.js';

const launch = window.deskgateLaunch;
delete window.deskgateLaunch;
// first.js hands the URL over only where it found WebAssembly (else it has written its sentence,
// and the URL is empty): its one verdict, not a second check that could disagree with it.
const href = typeof launch === 'function' ? launch() : '';
if (href !== '') {
  try {
    await init();
  } catch (e) {
    // The wasm was refused or failed to compile: a sentence, not a card that says "Signing in…".
    const card = document.getElementById('deskgate');
    card.dataset.state = 'failed';
    card.dataset.failure = 'wasm_failed';
    card.querySelector('.status').textContent = 'deskgate could not start in this browser. Reload, or contact support.';
    throw e;
  }
  window.deskgate = Object.freeze({ whoami, getIntegrationToken, signOut });
  await start(href);
}
