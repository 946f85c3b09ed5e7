// The operator console's script, served inline in console.html and allowed by its SHA-256 hash in the page's
// Content-Security-Policy (lib/activity/console/page.ts computes it from this file when it is loaded). Plain browser
// JavaScript, no build step: every value from the API goes into the page with textContent or attributes, never as HTML.
// Three parts, each in its own function scope, sharing the small DOM helpers defined first.
(function () {
  'use strict';
  function $(id) { return document.getElementById(id); }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function formatTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso || '';
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function cell(text, className) {
    var td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  // The console: sign-in, tenant picker, SCIM Integration, last sync, provisioning activity.
  (function () {
    'use strict';
    var KEY_STORAGE = 'scim-console-admin-key';
    var API = location.pathname.replace(/\/console\/?$/, '');
    var STATUS_TEXT = { 200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized',
      403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 412: 'Precondition Failed', 413: 'Too Large', 415: 'Unsupported Type',
      429: 'Too Many Requests', 500: 'Internal Error', 503: 'Unavailable' };
    var PLURAL = { User: 'Users', Group: 'Groups', ServiceProviderConfig: 'ServiceProviderConfig', ResourceType: 'ResourceTypes', Schema: 'Schemas' };
    var state = { tenants: [], tenantId: null, integration: null, cursor: null, filter: {}, loading: 0 };
    // 'entra' when App Service Authentication signed the operator in (Azure): the session cookie authenticates the API
    // calls and no key is asked for or sent. 'key' locally: the admin key, kept in this tab.
    var mode = 'key';


    function el(tag, props, children) {
      var node = document.createElement(tag);
      if (props) Object.keys(props).forEach(function (k) {
        if (k === 'text') node.textContent = props[k];
        else if (k === 'className') node.className = props[k];
        else node.setAttribute(k, props[k]);
      });
      (children || []).forEach(function (c) { if (c !== null && c !== undefined) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
      return node;
    }
    function svg(tag, attrs, text) {
      var node = document.createElementNS('http://www.w3.org/2000/svg', tag);
      Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
      if (text !== undefined) node.textContent = text;
      return node;
    }
    function formatDuration(ms) {
      var s = Math.round(ms / 1000);
      if (s < 60) return s + ' s';
      var m = Math.floor(s / 60);
      if (m < 60) return m + ' min ' + (s % 60) + ' s';
      return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
    }
    function formatNumber(n) { return Number(n || 0).toLocaleString('en-US'); }

    function adminKey() { return sessionStorage.getItem(KEY_STORAGE); }

    function ApiError(status, message) { this.status = status; this.message = message; }

    function api(method, path, body) {
      var headers = { Accept: 'application/json' };
      if (mode === 'key') headers['x-functions-key'] = adminKey() || '';
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      return fetch(API + path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: mode === 'entra' ? 'same-origin' : 'omit' })
        .then(function (res) {
          return res.text().then(function (text) {
            var data = null;
            try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
            if (res.status === 401) throw new ApiError(401, mode === 'entra' ? 'Your sign-in has ended; sign in again.' : 'The admin key was not accepted.');
            if (res.status === 403) throw new ApiError(403, 'Your account is not in the console\u2019s operators role.');
            if (!res.ok) throw new ApiError(res.status, (data && data.detail) || ('The request failed (HTTP ' + res.status + ').'));
            return data;
          });
        });
    }

    function report(error) {
      if (error && error.status === 401) { signOut(error.message); return; }
      setStatus((error && error.message) || String(error), true);
    }

    function setStatus(text, isError) {
      var line = $('status-line');
      line.textContent = text || '';
      line.className = isError ? 'error' : 'muted';
    }

    function busy(delta) {
      state.loading += delta;
      document.body.setAttribute('aria-busy', state.loading > 0 ? 'true' : 'false');
    }

    // ---- sign-in ----

    function showSignIn(message) {
      $('app').hidden = true;
      $('session').hidden = true;
      $('signin').hidden = false;
      $('signin-error').textContent = message || '';
      $('signin-form').hidden = mode === 'entra';
      $('admin-key').value = '';
      $('admin-key').focus();
    }

    function signOut(message) {
      sessionStorage.removeItem(KEY_STORAGE);
      if (mode === 'entra') { location.href = '/.auth/logout?post_logout_redirect_uri=' + encodeURIComponent(location.pathname); return; }
      state.tenants = [];
      state.tenantId = null;
      hideNewToken();
      showSignIn(message);
    }

    function start() {
      busy(1);
      return api('GET', '/integration').then(function (data) {
        $('signin').hidden = true;
        $('app').hidden = false;
        $('session').hidden = false;
        state.tenants = data.tenants || [];
        var select = $('tenant');
        clear(select);
        state.tenants.forEach(function (t) {
          var label = t.name + (t.status !== 'active' ? ' (' + t.status + ')' : '') + ' — ' + t.tenantId;
          select.appendChild(el('option', { value: t.tenantId, text: label }));
        });
        if (state.tenants.length === 0) {
          setStatus('No tenants yet: create one with “npm run tenants -- create --name …” or POST manage/tenants.');
          return;
        }
        var wanted = decodeURIComponent((location.hash.match(/tenant=([^&]+)/) || [])[1] || '');
        var chosen = state.tenants.some(function (t) { return t.tenantId === wanted; }) ? wanted : state.tenants[0].tenantId;
        select.value = chosen;
        return selectTenant(chosen);
      }).catch(function (error) {
        if (error && error.status === 401) signOut('That admin key was not accepted. Check it and try again.');
        else showSignIn((error && error.message) || 'The console could not reach its API.');
      }).finally(function () { busy(-1); });
    }

    // ---- tenant ----

    function selectTenant(tenantId) {
      state.tenantId = tenantId;
      hideNewToken();
      history.replaceState(null, '', '#tenant=' + encodeURIComponent(tenantId));
      setStatus('Loading…');
      return Promise.all([loadIntegration(), loadSummary(), loadActivity(false)])
        .then(function () { setStatus('Updated ' + formatTime(new Date().toISOString()) + '.'); })
        .catch(report);
    }

    function tenantPath() { return '/tenants/' + encodeURIComponent(state.tenantId); }

    function loadIntegration() {
      return api('GET', tenantPath() + '/integration').then(function (data) {
        state.integration = data;
        $('endpoint').value = data.scimEndpoint;
        var info = $('token-info');
        var reset = $('reset-token');
        if (!data.canResetToken) {
          info.textContent = 'This tenant\u2019s token is the SCIM_TOKEN app setting; change it there.';
          reset.disabled = true;
        } else {
          reset.disabled = data.status === 'deleting';
          var tokens = data.tokens || [];
          if (tokens.length === 0) info.textContent = 'No token is active: reset the token to issue one.';
          else {
            var newest = tokens[tokens.length - 1];
            var text = 'Tokens are shown only when issued. Current token issued ' + formatTime(newest.created) + '.';
            var retiring = tokens.filter(function (t) { return t.expiresAt; });
            if (retiring.length > 0) text += ' ' + retiring.length + ' older token(s) stop working at ' + formatTime(retiring[0].expiresAt) + '.';
            info.textContent = text;
          }
        }
        return loadOAuthClients();
      });
    }

    // ---- OAuth clients (OAuth2 client credentials, workload identity federation) ----

    function showMode(mode) {
      ['token', 'oauth', 'wif'].forEach(function (m) { $('mode-' + m).hidden = m !== mode; });
    }

    var oauthPanelTenant = null;

    function hideNewClients() {
      ['oauth-token-endpoint', 'oauth-client-id', 'oauth-client-secret', 'wif-client-id', 'wif-token-endpoint'].forEach(function (id) { $(id).value = ''; });
      $('new-oauth-client').hidden = true;
      $('new-wif-client').hidden = true;
    }

    function loadOAuthClients() {
      var list = $('oauth-clients');
      // A client secret shown for one tenant never stays on screen when another tenant is picked.
      if (oauthPanelTenant !== state.tenantId) { hideNewClients(); oauthPanelTenant = state.tenantId; }
      var usable = !!(state.integration && state.integration.canResetToken);
      $('create-oauth-client').disabled = !usable;
      $('create-wif-client').disabled = !usable;
      if (!usable) { clear(list); $('oauth-clients-block').hidden = true; return Promise.resolve(); }
      var forTenant = state.tenantId;
      return api('GET', tenantPath() + '/oauth-clients').then(function (data) {
        if (state.tenantId !== forTenant) return; // another tenant was picked meanwhile
        var clients = (data && data.clients) || [];
        clear(list); // here, not before the request: overlapping reloads each replace the whole list

        $('oauth-clients-block').hidden = clients.length === 0;
        clients.forEach(function (c) {
          var label = (c.type === 'federated' ? 'Federated' : 'Secret') + ' client ' + c.clientId + (c.name ? ' (' + c.name + ')' : '') + ', scope ' + c.scope + ', created ' + formatTime(c.created);
          var revoke = el('button', { type: 'button', className: 'danger', 'aria-label': 'Revoke client ' + c.clientId }, ['Revoke']);
          revoke.addEventListener('click', function () { revokeOAuthClient(c.clientId); });
          list.appendChild(el('li', null, [label + ' ', revoke]));
        });
      });
    }

    function createOAuthClient(body, show) {
      busy(1);
      return api('POST', tenantPath() + '/oauth-clients', body).then(function (data) {
        show(data);
        return loadOAuthClients();
      }).catch(report).finally(function () { busy(-1); });
    }

    function revokeOAuthClient(clientId) {
      if (!window.confirm('Revoke OAuth client ' + clientId + '? Entra can no longer obtain tokens with it, and its tokens stop working.')) return;
      busy(1);
      api('DELETE', tenantPath() + '/oauth-clients/' + encodeURIComponent(clientId)).then(function () {
        setStatus('Revoked OAuth client ' + clientId + '.');
        return loadOAuthClients();
      }).catch(report).finally(function () { busy(-1); });
    }

    // ---- copy ----

    function copy(input, what) {
      var value = input.value;
      var done = function () { $('copy-status').textContent = 'Copied the ' + what + ' to the clipboard.'; };
      var fallback = function () {
        input.focus();
        input.select();
        var ok = false;
        try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
        if (ok) done(); else $('copy-status').textContent = 'Selected: press Ctrl+C (⌘C) to copy the ' + what + '.';
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(value).then(done, fallback);
      else fallback();
    }

    // ---- token reset ----

    var returnFocus = null;

    function openConfirm() {
      var t = state.integration;
      if (!t || !t.canResetToken) return;
      returnFocus = document.activeElement;
      $('confirm-tenant').textContent = t.name + ' (' + t.tenantId + ')';
      $('confirm-grace').checked = false;
      $('confirm-when').textContent = 'immediately';
      $('confirm').showModal();
      $('confirm-cancel').focus();
    }

    function closeConfirm() {
      var dialog = $('confirm');
      if (dialog.open) dialog.close();
    }

    function confirmReset() {
      var grace = $('confirm-grace').checked ? 3600 : 0;
      var ok = $('confirm-ok');
      ok.disabled = true;
      busy(1);
      api('POST', tenantPath() + '/reset-token', { graceSeconds: grace }).then(function (data) {
        returnFocus = null;
        closeConfirm();
        showNewToken(data);
        return loadIntegration();
      }).catch(function (error) {
        closeConfirm();
        report(error);
      }).finally(function () { ok.disabled = false; busy(-1); });
    }

    function showNewToken(data) {
      $('new-token-value').value = data.token;
      $('new-token-expiry').textContent = data.oldTokensExpireAt
        ? 'The previous token keeps working until ' + formatTime(data.oldTokensExpireAt) + '.'
        : 'The previous token no longer works.';
      var panel = $('new-token');
      panel.hidden = false;
      $('new-token-value').focus();
      $('new-token-value').select();
    }

    function hideNewToken() {
      var panel = $('new-token');
      var wasOpen = !panel.hidden;
      $('new-token-value').value = '';
      panel.hidden = true;
      return wasOpen;
    }

    // ---- last sync ----

    function loadSummary() {
      return api('GET', tenantPath() + '/activity/summary').then(renderSummary);
    }

    function stat(label, value, cls) {
      return el('div', cls ? { className: cls } : null, [el('dt', { text: label }), el('dd', { text: formatNumber(value) })]);
    }

    function renderSummary(s) {
      var stats = $('summary-stats');
      clear(stats);
      var windowText = $('summary-window');
      var errors = $('top-errors');
      clear(errors);
      renderChart(s);
      if (!s.found) {
        windowText.textContent = 'No provisioning activity yet for this tenant.';
        return;
      }
      windowText.textContent = formatTime(s.firstSeen) + ' → ' + formatTime(s.lastSeen) + ' (' + formatDuration(s.durationMs) + ')'
        + (s.inProgress ? ', may still be running' : '') + (s.truncated ? ', newest ' + formatNumber(s.requests) + ' requests only' : '')
        + '. A sync is the latest run of requests without a pause longer than ' + s.definition.gapMinutes + ' minutes.';
      stats.appendChild(stat('Requests', s.requests));
      stats.appendChild(stat('Succeeded', s.byOutcome.success, 'success'));
      stats.appendChild(stat('Failed', s.byOutcome.failure, s.byOutcome.failure > 0 ? 'failure' : ''));
      stats.appendChild(stat('Created', s.changes.created));
      stats.appendChild(stat('Updated', s.changes.updated));
      stats.appendChild(stat('Disabled', s.changes.disabled));
      stats.appendChild(stat('Re-enabled', s.changes.enabled));
      stats.appendChild(stat('Deleted', s.changes.deleted));
      if (s.topErrors.length === 0) errors.appendChild(el('li', { className: 'muted', text: 'None.' }));
      s.topErrors.forEach(function (g) {
        var ex = g.example;
        errors.appendChild(el('li', null, [
          el('span', { className: 'badge err', text: g.status + (g.scimType ? ' ' + g.scimType : '') }), ' × ' + formatNumber(g.count) + ' — ',
          ex.method + ' ' + (PLURAL[ex.resourceType] || ex.resourceType) + (ex.name ? ' ' + ex.name : '') + (ex.detail ? ': ' + ex.detail : ''),
        ]));
      });
    }

    function renderChart(s) {
      var chart = $('chart');
      Array.prototype.slice.call(chart.childNodes).forEach(function (n) { if (n.nodeName !== 'title' && n.nodeName !== 'desc') chart.removeChild(n); });
      var buckets = s.timeline || [];
      var max = buckets.reduce(function (m, b) { return Math.max(m, b.success + b.failure); }, 0);
      $('chart-scale').textContent = max > 0 ? 'Tallest bar: ' + formatNumber(max) + ' requests per ' + formatDuration(s.bucketMs) : '';
      $('chart-desc').textContent = buckets.length === 0 ? 'No requests.' : buckets.map(function (b) {
        return formatTime(b.start) + ': ' + b.success + ' succeeded, ' + b.failure + ' failed';
      }).join('; ');
      var W = 600, H = 150, top = 6, bottom = 20;
      chart.appendChild(svg('line', { x1: 0, y1: H - bottom + 0.5, x2: W, y2: H - bottom + 0.5, 'class': 'axis' }));
      if (buckets.length === 0 || max === 0) return;
      var slot = W / buckets.length, bar = Math.max(1, slot * 0.8), scale = (H - bottom - top) / max;
      buckets.forEach(function (b, i) {
        var x = i * slot + (slot - bar) / 2;
        var hs = b.success * scale, hf = b.failure * scale;
        if (b.success > 0) chart.appendChild(svg('rect', { x: x, y: H - bottom - hs, width: bar, height: Math.max(hs, 1), 'class': 'bar-success' }));
        if (b.failure > 0) chart.appendChild(svg('rect', { x: x, y: H - bottom - hs - Math.max(hf, 2), width: bar, height: Math.max(hf, 2), 'class': 'bar-failure' }));
      });
      chart.appendChild(svg('text', { x: 2, y: H - 5 }, formatTime(buckets[0].start).slice(11, 19)));
      chart.appendChild(svg('text', { x: W - 2, y: H - 5, 'text-anchor': 'end' }, formatTime(s.lastSeen).slice(11, 19)));
    }

    // ---- activity ----

    function readFilters() {
      var f = {};
      var outcome = $('f-outcome').value, resource = $('f-resource').value, method = $('f-method').value, range = $('f-range').value;
      var name = $('f-name').value.trim();
      if (outcome !== 'all') f.outcome = outcome;
      if (resource !== 'all') f.resourceType = resource;
      if (method !== 'all') f.method = method;
      if (range) f.since = new Date(Date.now() - Number(range)).toISOString();
      if (name) f.name = name;
      return f;
    }

    function loadActivity(more) {
      var params = new URLSearchParams(state.filter);
      params.set('limit', '50');
      if (more && state.cursor) params.set('cursor', state.cursor);
      return api('GET', tenantPath() + '/activity?' + params.toString()).then(function (data) {
        var rows = $('activity-rows');
        if (!more) clear(rows);
        data.entries.forEach(function (e) { rows.appendChild(row(e)); });
        state.cursor = data.nextCursor || null;
        $('more').hidden = !state.cursor;
        $('activity-empty').hidden = rows.childNodes.length > 0;
      });
    }

    function row(e) {
      var path = '/' + (PLURAL[e.resourceType] || e.resourceType) + (e.resourceId ? '/' + e.resourceId.slice(0, 8) + '…' : '');
      var req = el('td', { className: 'req' }, [e.method + ' ' + path]);
      if (e.resourceId) req.setAttribute('title', e.resourceId);
      var failed = e.outcome === 'failure';
      var cls = e.status >= 500 ? 'err' : e.status >= 400 ? (e.status === 404 || e.status === 409 || e.status === 412 ? 'warn' : 'err') : 'ok';
      if (failed && cls === 'ok') cls = 'err';
      var details = el('td', { className: 'details' });
      if (failed) {
        if (e.scimType) details.appendChild(el('span', { className: 'scim-type', text: e.scimType + ': ' }));
        details.appendChild(document.createTextNode(e.detail || ''));
      } else {
        var parts = [];
        if (e.change) parts.push(e.change);
        if (e.operation) parts.push(e.operation);
        if (typeof e.results === 'number') parts.push(e.results + (e.results === 1 ? ' result' : ' results'));
        details.textContent = parts.join(' · ');
      }
      var tr = el('tr', failed ? { className: 'failure' } : null, [
        el('td', { className: 'time', title: e.time, text: formatTime(e.time) }),
        req,
        el('td', { text: e.name || '' }),
        el('td', null, [el('span', { className: 'badge ' + cls, text: e.status + ' ' + (STATUS_TEXT[e.status] || '') })]),
        details,
        el('td', { className: 'num', text: String(e.latencyMs) }),
      ]);
      return tr;
    }

    // ---- wiring ----

    $('signin-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var key = $('admin-key').value.trim();
      if (!key) { $('signin-error').textContent = 'Enter the admin key.'; return; }
      sessionStorage.setItem(KEY_STORAGE, key);
      $('signin-error').textContent = '';
      start();
    });
    $('signout').addEventListener('click', function () { signOut('Signed out.'); });
    $('tenant').addEventListener('change', function (event) { selectTenant(event.target.value); });
    $('refresh').addEventListener('click', function () { if (state.tenantId) selectTenant(state.tenantId); });
    $('copy-endpoint').addEventListener('click', function () { copy($('endpoint'), 'Tenant URL'); });
    $('copy-token').addEventListener('click', function () { copy($('new-token-value'), 'new token'); });
    $('hide-token').addEventListener('click', function () { hideNewToken(); $('copy-status').textContent = ''; $('reset-token').focus(); });
    $('reset-token').addEventListener('click', openConfirm);
    $('confirm-cancel').addEventListener('click', closeConfirm);
    $('confirm-ok').addEventListener('click', confirmReset);
    $('confirm-grace').addEventListener('change', function (event) {
      $('confirm-when').textContent = event.target.checked ? 'in one hour' : 'immediately';
    });
    $('confirm').addEventListener('close', function () {
      if (returnFocus && typeof returnFocus.focus === 'function') returnFocus.focus();
      returnFocus = null;
    });
    $('filters').addEventListener('submit', function (event) {
      event.preventDefault();
      state.filter = readFilters();
      busy(1);
      loadActivity(false).then(function () { setStatus('Filters applied.'); }).catch(report).finally(function () { busy(-1); });
    });
    $('f-clear').addEventListener('click', function () {
      $('filters').reset();
      state.filter = {};
      busy(1);
      loadActivity(false).then(function () { setStatus('Filters cleared.'); }).catch(report).finally(function () { busy(-1); });
    });
    $('more').addEventListener('click', function () {
      busy(1);
      loadActivity(true).catch(report).finally(function () { busy(-1); });
    });

    Array.prototype.forEach.call(document.querySelectorAll('input[name="connect-mode"]'), function (radio) {
      radio.addEventListener('change', function () { if (radio.checked) showMode(radio.value); });
    });
    Array.prototype.forEach.call(document.querySelectorAll('button[data-copy]'), function (button) {
      button.addEventListener('click', function () { copy($(button.getAttribute('data-copy')), button.getAttribute('data-what')); });
    });
    $('create-oauth-client').addEventListener('click', function () {
      createOAuthClient({ name: 'Entra provisioning' }, function (data) {
        $('oauth-token-endpoint').value = data.tokenEndpoint;
        $('oauth-client-id').value = data.clientId;
        $('oauth-client-secret').value = data.clientSecret;
        $('new-oauth-client').hidden = false;
        $('oauth-client-secret').focus();
      });
    });
    $('wif-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var federation = { issuer: $('wif-issuer').value.trim(), jwksUri: $('wif-jwks').value.trim(), subject: $('wif-subject').value.trim(), audience: $('wif-audience').value.trim() };
      createOAuthClient({ name: 'Entra workload identity federation', federation: federation }, function (data) {
        $('wif-client-id').value = data.clientId;
        $('wif-token-endpoint').value = data.tokenEndpoint;
        $('new-wif-client').hidden = false;
        $('wif-client-id').focus();
      });
    });

    // Behind App Service Authentication (the page says so), /.auth/me names the signed-in operator.
    if (document.documentElement.getAttribute('data-admin-auth') === 'entra') {
      mode = 'entra';
      sessionStorage.removeItem(KEY_STORAGE);
      $('signin').hidden = true;
      fetch('/.auth/me', { credentials: 'same-origin', cache: 'no-store' }).then(function (res) {
        return res.ok ? res.json() : null;
      }).catch(function () { return null; }).then(function (me) {
        $('session-label').textContent = 'Signed in with Microsoft Entra ID' + (me && me[0] && me[0].user_id ? ' as ' + me[0].user_id : '');
      });
      start();
    } else if (adminKey()) start();
    else showSignIn('');
  })();

  // The Events panel (a tenant's change feed, newest first; moved into the signed-in app on load).
  (function () {
    'use strict';
    var KEY_STORAGE = 'scim-console-admin-key';
    var API = location.pathname.replace(/\/console\/?$/, ''); // the manage/ base
    var panel = document.getElementById('events-panel');
    var app = document.getElementById('app');
    var select = document.getElementById('tenant');
    var state = { tenant: null, older: null, seq: 0 };
    if (!panel || !app || !select) return;
    app.appendChild(panel);


    function row(e) {
      var data = e.data || {};
      var tr = document.createElement('tr');
      var name = data.userName || data.displayName || '';
      var changed = (data.changedAttributes || []).map(function (a) { return a.replace(/^urn:.*:/, ''); });
      if (data.members) changed = [data.members.length + ' member' + (data.members.length === 1 ? '' : 's')];
      if (data.groups && data.groups.length) changed = ['left ' + data.groups.length + ' group' + (data.groups.length === 1 ? '' : 's')];
      tr.appendChild(cell(formatTime(e.time)));
      tr.appendChild(cell(String(e.type || '').replace(/^scim\./, '')));
      tr.appendChild(cell(e.subject || ''));
      tr.appendChild(cell(name));
      tr.appendChild(cell(changed.join(', ')));
      tr.appendChild(cell(e.sequence || '', 'num'));
      return tr;
    }
    function load(more) {
      var tenant = select.value;
      var key = sessionStorage.getItem(KEY_STORAGE);
      if (!tenant || !key || app.hidden) return;
      var ticket = ++state.seq;
      var params = new URLSearchParams({ limit: '25' });
      if (more && state.older) params.set('before', state.older);
      $('events-error').textContent = '';
      fetch(API + '/tenants/' + encodeURIComponent(tenant) + '/events/recent?' + params.toString(), { headers: { 'x-functions-key': key, Accept: 'application/json' } })
        .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
        .then(function (reply) {
          if (ticket !== state.seq) return;
          if (!reply.ok) throw new Error((reply.body && reply.body.detail) || 'The events could not be loaded.');
          var rows = $('events-rows');
          if (!more) while (rows.firstChild) rows.removeChild(rows.firstChild);
          reply.body.events.forEach(function (e) { rows.appendChild(row(e)); });
          state.tenant = tenant;
          state.older = reply.body.older || null;
          $('events-more').hidden = !state.older;
          $('events-empty').hidden = rows.childNodes.length > 0;
        })
        .catch(function (error) { if (ticket === state.seq) $('events-error').textContent = error.message; });
    }
    function reloadIfChanged() { if (!app.hidden && select.value && select.value !== state.tenant) load(false); }
    select.addEventListener('change', function () { load(false); });
    $('refresh').addEventListener('click', function () { load(false); });
    $('events-more').addEventListener('click', function () { load(true); });
    // The page fills the tenant picker and shows the app after sign-in: follow it.
    new MutationObserver(function () { setTimeout(reloadIfChanged, 0); }).observe(app, { attributes: true, attributeFilter: ['hidden'] });
    new MutationObserver(function () { setTimeout(reloadIfChanged, 0); }).observe(select, { childList: true });
  })();

  // The Event delivery panel (subscriptions and their deliveries; moved into the signed-in app on load).
  (function () {
    'use strict';
    var KEY_STORAGE = 'scim-console-admin-key';
    var API = location.pathname.replace(/\/console\/?$/, '') + '/subscriptions';
    var panel = document.getElementById('subscriptions-panel');
    var app = document.getElementById('app');
    var select = document.getElementById('tenant');
    var state = { tenant: null, selected: null, seq: 0 };
    if (!panel || !app || !select) return;
    app.appendChild(panel);


    function button(text, onClick, className) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = text;
      if (className) b.className = className;
      b.addEventListener('click', onClick);
      return b;
    }
    function api(method, path, body) {
      var key = sessionStorage.getItem(KEY_STORAGE);
      var init = { method: method, headers: { 'x-functions-key': key || '', Accept: 'application/json' } };
      if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
      return fetch(API + path, init).then(function (res) {
        return res.text().then(function (text) {
          var parsed = null;
          try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
          if (!res.ok) throw new Error((parsed && parsed.detail) || ('HTTP ' + res.status));
          return parsed;
        });
      });
    }
    function report(error) { $('subscriptions-error').textContent = error.message; }

    function load() {
      var tenant = select.value;
      if (!tenant || !sessionStorage.getItem(KEY_STORAGE) || app.hidden) return;
      var ticket = ++state.seq;
      $('subscriptions-error').textContent = '';
      api('GET', '?tenant=' + encodeURIComponent(tenant)).then(function (body) {
        if (ticket !== state.seq) return;
        state.tenant = tenant;
        var rows = $('subscriptions-rows');
        clear(rows);
        body.subscriptions.forEach(function (s) {
          var tr = document.createElement('tr');
          tr.appendChild(cell(s.kind));
          tr.appendChild(cell(s.url || s.queue || ''));
          tr.appendChild(cell(s.tenant ? 'this tenant' : 'all tenants'));
          tr.appendChild(cell(s.types ? s.types.join(', ') : 'all'));
          tr.appendChild(cell(formatTime(s.created)));
          var actions = document.createElement('td');
          actions.appendChild(button('Deliveries', function () { showDeliveries(s); }));
          actions.appendChild(document.createTextNode(' '));
          actions.appendChild(button('Delete', function () { remove(s); }, 'danger'));
          tr.appendChild(actions);
          rows.appendChild(tr);
        });
        $('subscriptions-empty').hidden = body.subscriptions.length > 0;
        var still = state.selected && body.subscriptions.some(function (s) { return s.id === state.selected.id; });
        if (still) showDeliveries(state.selected); else { state.selected = null; $('deliveries-box').hidden = true; }
      }).catch(report);
    }

    function showDeliveries(s) {
      state.selected = s;
      $('deliveries-title').textContent = 'Deliveries to ' + (s.url || s.queue);
      api('GET', '/' + encodeURIComponent(s.id) + '/deliveries?limit=50').then(function (body) {
        var rows = $('deliveries-rows');
        clear(rows);
        body.deliveries.forEach(function (d) {
          var tr = document.createElement('tr');
          tr.appendChild(cell(formatTime(d.firstAttemptAt)));
          tr.appendChild(cell(String(d.type || '').replace(/^scim\./, '')));
          tr.appendChild(cell(d.eventId));
          tr.appendChild(cell(d.status + (d.status === 'pending' && d.nextAttemptAt ? ' (next ' + formatTime(d.nextAttemptAt) + ')' : ''), 'status-' + d.status));
          tr.appendChild(cell(String(d.attempts), 'num'));
          var last = d.lastStatusCode !== undefined ? String(d.lastStatusCode) : '';
          if (d.lastError) last = last ? last + ' ' + d.lastError : d.lastError;
          tr.appendChild(cell(last));
          var actions = document.createElement('td');
          actions.appendChild(button('Redeliver', function (event) { redeliver(s, d, event.target); }));
          tr.appendChild(actions);
          rows.appendChild(tr);
        });
        $('deliveries-empty').hidden = body.deliveries.length > 0;
        $('deliveries-box').hidden = false;
      }).catch(report);
    }

    function redeliver(s, d, b) {
      b.disabled = true;
      api('POST', '/' + encodeURIComponent(s.id) + '/deliveries/' + encodeURIComponent(d.eventId) + '/redeliver')
        .then(function () { showDeliveries(s); })
        .catch(report)
        .finally(function () { b.disabled = false; });
    }

    function remove(s) {
      if (!window.confirm('Delete the subscription to ' + (s.url || s.queue) + '? Delivery stops and its records are removed.')) return;
      api('DELETE', '/' + encodeURIComponent(s.id)).then(function () {
        if (state.selected && state.selected.id === s.id) state.selected = null;
        load();
      }).catch(report);
    }

    $('subscription-form').addEventListener('submit', function (event) {
      event.preventDefault();
      $('subscription-error').textContent = '';
      var body = {};
      var target = $('subscription-target').value.trim();
      body[$('subscription-kind').value] = target;
      var types = $('subscription-types').value.split(',').map(function (t) { return t.trim(); }).filter(function (t) { return t; });
      if (types.length) body.types = types;
      if (!$('subscription-all').checked) body.tenant = select.value;
      api('POST', '', body).then(function (created) {
        $('subscription-target').value = '';
        $('subscription-types').value = '';
        if (created.secret) {
          $('subscription-secret-value').value = created.secret;
          $('subscription-secret').hidden = false;
          $('subscription-secret').focus();
        }
        load();
      }).catch(function (error) { $('subscription-error').textContent = error.message; });
    });
    $('subscription-secret-hide').addEventListener('click', function () {
      $('subscription-secret-value').value = '';
      $('subscription-secret').hidden = true;
    });
    function reloadIfChanged() { if (!app.hidden && select.value && select.value !== state.tenant) load(); }
    select.addEventListener('change', function () { state.selected = null; load(); });
    $('refresh').addEventListener('click', load);
    new MutationObserver(function () { setTimeout(reloadIfChanged, 0); }).observe(app, { attributes: true, attributeFilter: ['hidden'] });
    new MutationObserver(function () { setTimeout(reloadIfChanged, 0); }).observe(select, { childList: true });
  })();
})();
