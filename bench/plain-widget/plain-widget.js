// The benchmark's hand-written JavaScript counterpart of the wasm widget: the sign-in it does,
// written by hand (read the launch parameters, drop the key from the address bar, POST them,
// prove the session with one authenticated call as the widget does (SPEC 1.8: "signed in" only
// once an authenticated request has succeeded; the cookies first, the session JWT as a bearer
// token when the cookies did not reach the server), render the result). bench/run.mjs serves it in a copy of www/widget.html whose scripts are
// swapped for this one, so both pages have the same markup and stylesheet.
const card = document.getElementById('deskgate');
const params = new URLSearchParams(location.search);
const launch = {
  api_key: params.get('apikey'),
  agent_id: params.get('agent_id'),
  agent_name: params.get('agent_name'),
  platform: params.get('platform') || 'genesys',
};
params.delete('apikey');
history.replaceState(null, '', `${location.pathname}${params.size ? `?${params}` : ''}`);

function show(state, text, user) {
  card.dataset.state = state;
  card.querySelector('.status').textContent = text;
  card.querySelector('.agent').hidden = !user;
  card.querySelector('#sign-out').hidden = !user;
  if (user) {
    card.querySelector('.agent-name').textContent = user.name;
    card.querySelector('.agent-meta').textContent = `${user.id} · ${user.platform}`;
  }
}

if (!launch.api_key || !launch.agent_id || !launch.agent_name) {
  show('failed', 'The desktop did not pass the agent or the key.');
} else {
  try {
    const res = await fetch('/apis/admin/session/api-key/', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(launch),
    });
    const body = await res.json();
    if (!res.ok) {
      show('failed', body.error_description || 'The key was refused.');
    } else {
      const session = (headers = {}) => fetch('/apis/admin/session/', { credentials: 'same-origin', headers });
      let proof = await session();
      if (proof.status === 401) proof = await session({ Authorization: `Bearer ${body.access_token}` });
      const proven = await proof.json();
      if (proof.ok) show('signed-in', 'Signed in', proven.user);
      else show('failed', proven.error_description || 'The session was refused.');
    }
  } catch {
    show('failed', 'The network is down.');
  }
}
