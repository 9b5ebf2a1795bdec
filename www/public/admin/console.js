// The admin console (SPEC §4, §8): the owner signs in, manages services and their credentials,
// sees who is signed in and ends sessions, and reads the audit log. Plain DOM code over the admin
// API; every action is confirmed first, and a new secret is shown once with a copy button.
const $ = (sel) => document.querySelector(sel);
const KIND = { service_key: 'Service key', jwt: 'JWT credential', testing_token: 'Testing access token' };
const state = { service: null, otherSessions: 0 };

/** Calls the API same-origin with cookies; resolves to the JSON body, or throws its error. */
async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 204) return null;
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(json.error_description || `HTTP ${res.status}`), { code: json.error, status: res.status });
  return json;
}

const RULES = {
  last_active_credential: 'Each kind must keep one active credential: add or reactivate another first.',
  inactive_limit_reached: 'Only one credential of each kind may be inactive: delete the inactive one first.',
  credential_limit_reached: 'A service holds at most two credentials of each kind.',
  credential_is_active: 'Only an inactive credential can be deleted: discard it first.',
  invalid_password: 'That password is wrong; nothing was deleted.',
};
function showError(e) {
  $('#error').textContent = e ? (RULES[e.code] || e.message) : '';
}

/** Asks before acting; resolves to the password typed (delete) or true, or null when cancelled. */
function confirmAction(title, text, { password = false } = {}) {
  const dialog = $('#confirm');
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-password-label').hidden = !password;
  $('#confirm-password').value = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (dialog.returnValue !== 'ok') resolve(null);
      else resolve(password ? $('#confirm-password').value : true);
    }, { once: true });
  });
}

const HINT = {
  service_key: 'Send it as the X-Service-Key header, or as the OAuth2 client secret.',
  jwt: 'Base64: decode it, then sign HS256 JWTs with the bytes (iss = the service id, iat required).',
  testing_token: 'Valid 24 hours, for API tools only — never in code. Send it as Authorization: Bearer.',
};

/** Shows freshly issued secrets, each with a copy button, until dismissed. */
function showSecrets(credentials) {
  $('#secrets').replaceChildren(...credentials.map((c) => {
    const block = document.createElement('div');
    block.className = 'issued';
    block.dataset.kind = c.kind;
    const code = Object.assign(document.createElement('code'), { className: 'secret-value', textContent: c.secret });
    const copy = button('Copy', async () => {
      await navigator.clipboard?.writeText(c.secret).catch(() => {});
      copy.textContent = 'Copied';
      setTimeout(() => { copy.textContent = 'Copy'; }, 1500);
    }, 'primary');
    const row = document.createElement('div');
    row.className = 'row';
    row.append(code, copy);
    block.append(Object.assign(document.createElement('h3'), { textContent: KIND[c.kind] }), row,
      Object.assign(document.createElement('p'), { className: 'muted', textContent: HINT[c.kind] }));
    return block;
  }));
  $('#new-secret').hidden = false;
  $('#new-secret').scrollIntoView({ block: 'nearest' });
}

const cell = (text) => Object.assign(document.createElement('td'), { textContent: text });
const when = (unix) => new Date(unix * 1000).toLocaleString();

function button(label, onClick, cls = '') {
  const b = Object.assign(document.createElement('button'), { textContent: label, className: cls });
  b.addEventListener('click', onClick);
  return b;
}

async function loadServices() {
  const { services } = await api('GET', '/apis/admin/services');
  const list = $('#services');
  list.replaceChildren(...services.map((s) => {
    const li = document.createElement('li');
    const b = button(s.name, () => selectService(s));
    b.dataset.serviceId = s.id;
    b.setAttribute('aria-current', String(state.service?.id === s.id));
    li.append(b);
    return li;
  }));
  $('#no-services').hidden = services.length > 0;
}

async function selectService(service) {
  state.service = service;
  $('#service').hidden = false;
  $('#service-title').textContent = service.name;
  $('#service-id').textContent = service.id;
  document.querySelectorAll('#services button').forEach((b) => b.setAttribute('aria-current', String(b.dataset.serviceId === service.id)));
  await loadCredentials();
  await loadTestingTokens();
}

async function loadCredentials() {
  const base = `/apis/admin/services/${state.service.id}/credentials`;
  const { credentials } = await api('GET', base);
  const count = (kind, status) => credentials.filter((c) => c.kind === kind && (!status || c.status === status)).length;
  // The rules of seed 004, mirrored so the console never offers what the API would refuse.
  document.querySelectorAll('[data-add]').forEach((b) => { b.disabled = count(b.dataset.add) >= 2; });
  $('#credentials').replaceChildren(...credentials.map((c) => {
    const tr = document.createElement('tr');
    tr.dataset.credentialId = c.id;
    tr.dataset.kind = c.kind;
    tr.dataset.status = c.status;
    const status = document.createElement('td');
    status.append(Object.assign(document.createElement('span'), { className: `badge ${c.status}`, textContent: c.status }));
    const actions = Object.assign(document.createElement('span'), { className: 'actions' });
    const act = (verb, title, text) => button(verb[0].toUpperCase() + verb.slice(1), () => run(async () => {
      if (!(await confirmAction(title, text))) return;
      const updated = await api('POST', `${base}/${c.id}/${verb}`);
      if (updated.secret) showSecrets([updated]);
    }));
    if (c.status === 'active') {
      const discard = act('discard', `Discard this ${KIND[c.kind].toLowerCase()}?`, 'Calls using it are refused at once. You can reactivate it later.');
      if (count(c.kind, 'active') === 1) {
        discard.disabled = true;
        discard.title = 'The last active credential of its kind cannot be discarded.';
      }
      actions.append(discard);
    } else {
      actions.append(act('reactivate', `Reactivate this ${KIND[c.kind].toLowerCase()}?`, 'Calls using it are accepted again.'));
      actions.append(button('Delete', () => run(async () => {
        const password = await confirmAction(`Delete this ${KIND[c.kind].toLowerCase()}?`, 'This cannot be undone. Enter your password to confirm.', { password: true });
        if (password === null) return;
        await api('DELETE', `${base}/${c.id}`, { password });
      }), 'danger'));
    }
    actions.append(act('regenerate', 'Regenerate the secret?', 'The current secret stops working at once; the new one is shown once.'));
    const actionsCell = document.createElement('td');
    actionsCell.append(actions);
    tr.append(cell(KIND[c.kind]), cell(c.id), cell(c.masked), status, cell(when(c.created_at)), actionsCell);
    return tr;
  }));
}

/** The service's live testing tokens, each with a Revoke button (never the token itself). */
async function loadTestingTokens() {
  const base = `/apis/admin/services/${state.service.id}/testing-tokens`;
  const { tokens } = await api('GET', base);
  $('#no-testing-tokens').hidden = tokens.length > 0;
  $('#testing-tokens').replaceChildren(...tokens.map((t) => {
    const tr = document.createElement('tr');
    tr.dataset.tokenId = t.id;
    const revoke = button('Revoke', () => run(async () => {
      if (!(await confirmAction('Revoke this testing token?', 'API tools using it are refused at once.'))) return;
      await api('DELETE', `${base}/${t.id}`);
    }), 'danger');
    const actions = document.createElement('td');
    actions.append(revoke);
    tr.append(cell(t.id), cell(t.credential_id), cell(when(t.issued_at)), cell(when(t.expires_at)), actions);
    return tr;
  }));
}

async function loadAudit() {
  const { entries } = await api('GET', '/apis/admin/audit');
  $('#audit').replaceChildren(...entries.map((e) => {
    const tr = document.createElement('tr');
    tr.append(cell(when(e.at)), cell(e.actor), cell(e.action), cell(e.target), cell(e.ip), cell(e.detail));
    return tr;
  }));
}

// How a session was made (its `amr`), in words: the shared widget key is the weakest.
const METHOD = { api_key: 'API key (shared widget key)', launch: 'Signed launch link', password: 'Password' };

async function loadSessions() {
  const { sessions } = await api('GET', '/apis/admin/sessions');
  state.otherSessions = sessions.filter((s) => !s.current).length;
  $('#revoke-all').disabled = state.otherSessions === 0;
  $('#sessions').replaceChildren(...sessions.map((s) => {
    const tr = document.createElement('tr');
    tr.dataset.sessionId = s.id;
    tr.dataset.subject = s.subject;
    const who = cell(`${s.name} (${s.subject})`);
    const actions = Object.assign(document.createElement('span'), { className: 'actions' });
    if (s.current) {
      actions.append(Object.assign(document.createElement('span'), { className: 'badge active', textContent: 'this session' }));
    } else {
      actions.append(button('Revoke', () => run(async () => {
        if (!(await confirmAction(`End ${s.name}'s session?`, `Signed in ${when(s.created_at)} from ${s.ip}. The session and every token of it stop working at once.`))) return;
        await api('DELETE', `/apis/admin/sessions/${s.id}`);
      }), 'danger'));
      const same = sessions.filter((o) => o.subject === s.subject && !o.current).length;
      const all = button(`Revoke all of ${s.subject}'s`, () => run(async () => {
        if (!(await confirmAction(`End every session of ${s.subject}?`, `${same} session${same === 1 ? '' : 's'} of this agent end at once, wherever they are signed in.`))) return;
        await api('POST', '/apis/admin/sessions/revoke', { subject: s.subject });
      }), 'danger');
      all.dataset.revokeSubject = s.subject;
      actions.append(all);
    }
    const actionsCell = document.createElement('td');
    actionsCell.append(actions);
    tr.append(who, cell(s.role), cell(s.platform), cell(s.amr.map((m) => METHOD[m] || m).join(', ')),
      cell(when(s.created_at)), cell(when(s.expires_at)), cell(s.ip), actionsCell);
    return tr;
  }));
}

$('#refresh-sessions').addEventListener('click', () => run(async () => {}));
$('#revoke-all').addEventListener('click', () => run(async () => {
  const others = state.otherSessions;
  if (!(await confirmAction('Revoke every session?', `All ${others} other sessions of this account end now, agents and owners alike; everyone must sign in again. Do this after a key leaked, once the key is replaced. Your own session is kept.`))) return;
  const { revoked } = await api('POST', '/apis/admin/sessions/revoke', {});
  $('#sessions-note').textContent = `${revoked} session${revoked === 1 ? '' : 's'} ended.`;
}));

/** Runs an action, then refreshes what it may have changed; shows a refusal in words. */
async function run(action) {
  showError(null);
  $('#sessions-note').textContent = '';
  try {
    await action();
  } catch (e) {
    showError(e);
  }
  try {
    await loadServices();
    if (state.service) {
      await loadCredentials();
      await loadTestingTokens();
    }
    await loadSessions();
    await loadAudit();
  } catch (e) {
    if (e.status === 401) return showSignIn();
    showError(e);
  }
}

function showSignIn() {
  $('#console').hidden = true;
  $('#sign-out').hidden = true;
  $('#sign-in').hidden = false;
}

async function showConsole(user) {
  $('#sign-in').hidden = true;
  $('#console').hidden = false;
  $('#sign-out').hidden = false;
  $('#account').textContent = `${user.account} · ${user.name}`;
  await run(async () => {});
}

$('#sign-in-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  $('#sign-in-error').textContent = '';
  try {
    const { user } = await api('POST', '/apis/admin/session/password/', { username: form.get('username'), password: form.get('password') });
    ev.target.reset();
    await showConsole(user);
  } catch (e) {
    $('#sign-in-error').textContent = e.code === 'too_many_attempts' ? 'Too many failed attempts. Try again later.' : 'The username or password is wrong.';
  }
});

$('#new-service').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const name = new FormData(ev.target).get('name');
  run(async () => {
    const created = await api('POST', '/apis/admin/services', { name });
    ev.target.reset();
    await loadServices();
    await selectService({ id: created.id, name: created.name });
    showSecrets(created.credentials);
  });
});

document.querySelectorAll('[data-add]').forEach((b) => b.addEventListener('click', () => run(async () => {
  const kind = b.dataset.add;
  if (!(await confirmAction(`Add a ${KIND[kind].toLowerCase()}?`, 'A new active credential is created; its secret is shown once.'))) return;
  showSecrets([await api('POST', `/apis/admin/services/${state.service.id}/credentials`, { kind })]);
})));

$('#testing-token').addEventListener('click', () => run(async () => {
  if (!(await confirmAction('Mint a testing token?', 'A 24-hour access token for API tools; it is shown once.'))) return;
  const token = await api('POST', `/apis/admin/services/${state.service.id}/testing-token`);
  showSecrets([{ kind: 'testing_token', secret: token.access_token }]);
}));

$('#dismiss-secret').addEventListener('click', () => {
  $('#new-secret').hidden = true;
  $('#secrets').replaceChildren();
});
$('#sign-out').addEventListener('click', async () => {
  await api('DELETE', '/apis/admin/session/').catch(() => {});
  state.service = null;
  showSignIn();
});

try {
  const { user } = await api('GET', '/apis/admin/session/');
  if (user.role === 'owner') await showConsole(user); else showSignIn();
} catch {
  showSignIn();
}
