// tokenpair's browser demo: a client of auth-service (another origin, reached through CORS)
// and of this protected-service (the page's own origin). Plain JavaScript, no build step.
//
// Header mode keeps both tokens in this page's memory (never in localStorage) and sends the
// access token as `Authorization: Bearer`; requests go without cookies (credentials 'omit').
// Cookie mode keeps no token at all: auth-service sets them as HttpOnly cookies
// (TOKENPAIR__COOKIE_MODE, COOKIE_ACCESS), refresh and logout send an empty body so that
// auth-service reads the refresh cookie, and protected-service reads the access cookie. The
// page only remembers when the access token expires, to show the countdown.
'use strict';

const authUrl = document.querySelector('meta[name="tokenpair-auth-url"]').content;
const $ = (id) => document.getElementById(id);

const session = {
  loggedIn: false,
  access: null, // header mode only
  refresh: null, // header mode only
  expiresAt: null, // ms since the epoch, from the access token's `exp`
  refreshes: 0,
  calls: 0,
  refreshing: null, // the refresh in flight, shared by concurrent callers
};

function mode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

function credentials() {
  return mode() === 'cookie' ? 'include' : 'omit';
}

function log(line, refused) {
  const item = document.createElement('li');
  item.textContent = line;
  if (refused) item.className = 'refused';
  $('log').prepend(item);
}

// The `exp` claim of a JWT, in ms; the signature is auth-service's business, not the page's.
function expiry(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload)).exp * 1000;
  } catch (e) {
    return null;
  }
}

// POST a JSON body to auth-service; the answer's status and JSON body (null when not JSON).
async function postAuth(path, body) {
  let response;
  try {
    response = await fetch(authUrl + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      credentials: credentials(),
    });
  } catch (e) {
    log(`POST ${path} failed: ${e.message}`, true);
    return { status: 0, data: null };
  }
  const data = await response.json().catch(() => null);
  log(`POST ${path} → ${response.status}`, !response.ok);
  return { status: response.status, data };
}

// Keeps what the mode allows of an obtain or refresh answer.
function keep(tokens) {
  session.expiresAt = expiry(tokens.access);
  if (mode() === 'header') {
    session.access = tokens.access;
    if (tokens.refresh) session.refresh = tokens.refresh; // with ROTATE_REFRESH_TOKENS
  }
}

function detail(answer) {
  if (answer.data && typeof answer.data.detail === 'string') return answer.data.detail;
  return answer.data ? JSON.stringify(answer.data) : `HTTP ${answer.status}`;
}

async function login(event) {
  event.preventDefault();
  const answer = await postAuth('/api/token/', {
    username: $('username').value,
    password: $('password').value,
  });
  $('password').value = '';
  if (answer.status !== 200) {
    $('status').textContent = `login refused: ${detail(answer)}`;
    return;
  }
  keep(answer.data);
  session.loggedIn = true;
  session.refreshes = 0;
  show();
}

// One refresh at a time; true when a new access token is in.
function refresh() {
  if (!session.refreshing) {
    const body = mode() === 'header' ? { refresh: session.refresh } : {};
    session.refreshing = postAuth('/api/token/refresh/', body).then((answer) => {
      session.refreshing = null;
      if (answer.status !== 200) return false;
      keep(answer.data);
      session.refreshes += 1;
      show();
      return true;
    });
  }
  return session.refreshing;
}

async function getProtected() {
  const headers = { Accept: 'application/json' };
  if (mode() === 'header' && session.access) headers.Authorization = `Bearer ${session.access}`;
  try {
    const response = await fetch('/protected/', {
      headers,
      credentials: mode() === 'cookie' ? 'same-origin' : 'omit',
    });
    const text = await response.text();
    log(`GET /protected/ → ${response.status}`, !response.ok);
    return { status: response.status, text };
  } catch (e) {
    log(`GET /protected/ failed: ${e.message}`, true);
    return { status: 0, text: e.message };
  }
}

// The protected call; an expired access token (401) is refreshed silently and the call retried.
async function callProtected() {
  let answer = await getProtected();
  if (answer.status === 401 && session.loggedIn && (await refresh())) {
    answer = await getProtected();
  }
  session.calls += 1;
  $('calls').textContent = String(session.calls);
  $('result').textContent = `HTTP ${answer.status}\n${answer.text}`;
}

async function logout() {
  const body = mode() === 'header' ? { refresh: session.refresh } : {};
  await postAuth('/api/token/blacklist/', body);
  session.loggedIn = false;
  session.access = null;
  session.refresh = null;
  session.expiresAt = null;
  show();
}

function show() {
  $('status').textContent = session.loggedIn ? `logged in (${mode()} mode)` : 'logged out';
  $('refreshes').textContent = String(session.refreshes);
  $('login-button').disabled = session.loggedIn;
  $('logout').disabled = !session.loggedIn;
  // Switching modes mid-session would strand the tokens of the other mode.
  for (const input of document.querySelectorAll('input[name="mode"]')) {
    input.disabled = session.loggedIn;
  }
  tick();
}

function tick() {
  if (session.expiresAt === null) {
    $('expires').textContent = '–';
    return;
  }
  // Rounded up: "expired" only once the server, which compares to the millisecond, agrees.
  const left = Math.ceil((session.expiresAt - Date.now()) / 1000);
  $('expires').textContent = left > 0 ? `${left} s` : 'expired (the next call refreshes it)';
}

$('auth-url').textContent = authUrl;
$('login').addEventListener('submit', login);
$('call').addEventListener('click', callProtected);
$('logout').addEventListener('click', logout);
setInterval(tick, 250);
show();
