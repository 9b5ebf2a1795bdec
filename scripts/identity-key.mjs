// Prints a new Ed25519 private key as a JWK, for deskgate's IDENTITY_SIGNING_KEY (SPEC §7):
//   node scripts/identity-key.mjs | npx wrangler secret put IDENTITY_SIGNING_KEY --env production
// Rotation: put the old value as IDENTITY_SIGNING_KEY_PREVIOUS first, then the new one; both are
// published at /.well-known/jwks.json until the previous one is deleted.
import { generateKeyPairSync } from 'node:crypto';

const { privateKey } = generateKeyPairSync('ed25519');
process.stdout.write(`${JSON.stringify(privateKey.export({ format: 'jwk' }))}\n`);
