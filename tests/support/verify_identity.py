"""An upstream's check of X-Deskgate-Identity with PyJWT (SPEC 7): the JWKS alone, no secret.

    python3 verify_identity.py <issuer> < {"jwks": {...}, "token": "..."}

Prints the verified claims as JSON, or exits 1 with the reason.
"""
import json
import sys

import jwt

issuer = sys.argv[1]
given = json.load(sys.stdin)
keys = jwt.PyJWKSet.from_dict(given["jwks"])
kid = jwt.get_unverified_header(given["token"])["kid"]
key = next(k for k in keys.keys if k.key_id == kid)
try:
    claims = jwt.decode(
        given["token"], key.key, algorithms=["EdDSA"], audience="deskgate-upstream", issuer=issuer
    )
except jwt.InvalidTokenError as e:
    print(f"refused: {type(e).__name__}", file=sys.stderr)
    sys.exit(1)
print(json.dumps(claims))
