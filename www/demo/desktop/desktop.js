// Demo agent desktops: embed the deskgate widget the way LiveEngage and Genesys WDE do, in a
// cross-site iframe whose URL carries the account's API key and the agent's identity.
//
// The key and agent come from this page's fragment (#apikey=…&agent_id=…&agent_name=…&account=…),
// which browsers never send to a server; scripts/dev.sh prints a ready link.
const params = new URLSearchParams(location.hash.slice(1));
const platform = document.body.dataset.platform;
const account = params.get('account') || 'acme';
const port = params.get('port') || location.port;
const widgetOrigin = `${location.protocol}//${account}.localhost${port ? `:${port}` : ''}`;
const query = new URLSearchParams();
for (const name of ['apikey', 'agent_id', 'agent_name']) {
  if (params.has(name)) query.set(name, params.get(name));
}
document.querySelectorAll('[data-agent-name]').forEach((el) => {
  el.textContent = params.get('agent_name') || 'Agent';
});
const frame = document.getElementById('deskgate-frame');
// The legacy /widget/<platform> URL, as old desktop configurations still use it.
frame.src = `${widgetOrigin}/widget/${platform}?${query}`;
