// Prints a signed launch link for the local demo (SPEC §6): the widget URL with a fresh launch
// token in its fragment, signed HS256 with the account's `<account>_launch_secret` from
// edge/.dev.vars (or .dev.vars.example), as an account's backend or a WDE extension would.
//
//   node scripts/launch-link.mjs --account acme --agent 7 --name "Grace Hopper" --role manager
//        [--platform genesys] [--port 8787] [--desktop]
//
// --desktop prints the demo desktop that frames it instead of the bare widget URL. A token lives
// two minutes and works once. scripts/demo-launcher.mjs uses mintLaunchLink for the demo's
// "signed launch" desktop.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SignJWT } from 'jose';

const EDGE = join(dirname(fileURLToPath(import.meta.url)), '..', 'edge');

/** The local secrets: edge/.dev.vars when scripts/dev.sh made it, else the committed example. */
export function localSecrets() {
  const file = [join(EDGE, '.dev.vars'), join(EDGE, '.dev.vars.example')].find(existsSync);
  return Object.fromEntries(readFileSync(file, 'utf8').split('\n')
    .filter((line) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/^'(.*)'$/, '$1')]));
}

/** A fresh launch token and the widget URL that carries it. */
export async function mintLaunchLink({ account = 'acme', agent, name, role = 'agent', platform = 'genesys', port = 8787 }) {
  const secrets = localSecrets();
  const secret = secrets[`${account}_launch_secret`];
  const issuer = secrets[`${account}_launch_issuer`];
  if (!secret || !issuer) throw new Error(`account ${account} has no ${account}_launch_secret and ${account}_launch_issuer`);
  const token = await new SignJWT({ name, role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(`https://${account}.localhost`) // https://<account>.<BASE_DOMAIN>
    .setSubject(String(agent))
    .setIssuedAt()
    .setExpirationTime('2m')
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(secret));
  return { token, url: `http://${account}.localhost:${port}/v2/widget/${platform}#launch=${token}` };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = {};
  for (let i = 2; i < process.argv.length; i += 1) {
    const flag = process.argv[i].replace(/^--/, '');
    args[flag] = flag === 'desktop' ? true : process.argv[++i];
  }
  if (!args.agent || !args.name) {
    console.error('usage: node scripts/launch-link.mjs --account acme --agent 7 --name "Grace Hopper" [--role agent|editor|manager] [--platform genesys|liveengage] [--port 8787] [--desktop]');
    process.exit(2);
  }
  const link = await mintLaunchLink({ ...args, port: Number(args.port || 8787) });
  console.log(args.desktop
    ? `http://127.0.0.1:${args.port || 8787}/desktop/launch.html#account=${args.account || 'acme'}&platform=${args.platform || 'genesys'}&launch=${link.token}`
    : link.url);
}
