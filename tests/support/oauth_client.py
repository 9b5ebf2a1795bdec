"""A real OAuth2 client library against deskgate: requests-oauthlib's BackendApplicationClient
(the client-credentials grant), as a partner's backend would use it. It fetches a token, calls
the gateway with it, and prints what it saw as JSON for tests/http/oauth_client_library.test.mjs.

Environment: DESKGATE_PORT, CLIENT_ID, CLIENT_SECRET. The worker is reached on loopback with the
account's Host header (Python does not resolve *.localhost)."""
import json
import os

from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

# oauthlib insists on HTTPS; the local worker speaks HTTP on loopback only.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

port = os.environ["DESKGATE_PORT"]
base = f"http://127.0.0.1:{port}"
host = {"Host": f"acme.localhost:{port}"}

session = OAuth2Session(client=BackendApplicationClient(client_id=os.environ["CLIENT_ID"]))
token = session.fetch_token(
    token_url=f"{base}/oauth/token",
    client_id=os.environ["CLIENT_ID"],
    client_secret=os.environ["CLIENT_SECRET"],
    scope=["api.read"],
    headers=host,
)
upstream = session.get(f"{base}/api/partner/orders?limit=5", headers=host)
print(json.dumps({
    "token_type": token["token_type"],
    "scope": token["scope"],
    "expires_in": token["expires_in"],
    "gateway_status": upstream.status_code,
    "gateway_seen": upstream.json(),
}))
