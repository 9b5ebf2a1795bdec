// Loads the widget's wasm, exposes its small API on window.deskgate, and signs in.
import init, { start, whoami, getIntegrationToken, signOut } from './pkg/widget.js';

await init();
window.deskgate = Object.freeze({ whoami, getIntegrationToken, signOut });
await start();
