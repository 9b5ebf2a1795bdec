// The worker's log as workerd wrote it during this run: run.mjs pipes `wrangler dev --log-level
// log` into wrangler.log beside the run's storage. Structured lines are JSON objects; wrangler
// decorates a console.warn/error line with a colour and a "▲ [WARNING]" label, so each line's
// JSON is read from its first `{` to its last `}`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The path of this run's wrangler.log (beside the storage folder run.mjs passes on). */
export const logFile = (state = process.env.DESKGATE_STATE) => join(dirname(state), 'wrangler.log');

/** The whole log so far. */
export const logText = (file = logFile()) => readFileSync(file, 'utf8');

/** Every JSON object logged so far, one per line that holds one. */
export function jsonLines(text = logText()) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').flatMap((line) => {
    const start = line.indexOf('{');
    const end = line.lastIndexOf('}');
    if (start < 0 || end < start) return [];
    try { return [JSON.parse(line.slice(start, end + 1))]; } catch { return []; }
  });
}

/** Waits until `find(lines)` is truthy (the log is written asynchronously); returns its value. */
export async function waitForLines(find, { file = logFile(), timeoutMs = 15_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find(jsonLines(logText(file)));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`the expected lines did not appear in ${file}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
