// The "signed launch" demo desktop (SPEC §6): like a Genesys WDE extension, it gets a launch
// link signed for its agent from the account's backend — the demo launcher on port 8789 — and
// frames the widget with it. The link's token is in the fragment: it reaches no server log.
//
// Fragment: #account=acme&agent_id=7&agent_name=Grace%20Hopper&role=manager[&launcher=8789]
// or #launch=<token> (a link printed by scripts/launch-link.mjs --desktop) to skip the launcher.
const params = new URLSearchParams(location.hash.slice(1));
// The agent's identity stays in this page; the launch token must not linger in its address bar.
history.replaceState(null, '', location.pathname);
const platform = params.get('platform') || document.body.dataset.platform;
const account = params.get('account') || 'acme';
const port = params.get('port') || location.port;
const widgetOrigin = `${location.protocol}//${account}.localhost${port ? `:${port}` : ''}`;
document.querySelectorAll('[data-agent-name]').forEach((el) => {
  el.textContent = params.get('agent_name') || 'Agent';
});
const frame = document.getElementById('deskgate-frame');

async function launchToken() {
  if (params.has('launch')) return params.get('launch');
  const launcher = `http://127.0.0.1:${params.get('launcher') || 8789}/launch-link`;
  const q = new URLSearchParams({ account, platform, agent_id: params.get('agent_id') || '1', agent_name: params.get('agent_name') || 'Agent', role: params.get('role') || 'agent' });
  const res = await fetch(`${launcher}?${q}`);
  if (!res.ok) throw new Error(`the launcher answered ${res.status}`);
  return (await res.json()).token;
}

launchToken().then((token) => { frame.src = `${widgetOrigin}/v2/widget/${platform}#launch=${token}`; }).catch((e) => {
  const note = document.querySelector('[data-launch-error]');
  note.textContent = `No launch link: ${e.message}. Is scripts/demo-launcher.mjs running?`;
  note.hidden = false;
});
