// The console's Event delivery panel (issue 17): the selected tenant's subscriptions (its own and those receiving
// every tenant), creating one (a webhook's signing secret is shown once), deleting one, and a subscription's
// deliveries — status, attempts, last error — with a Redeliver button. Self-contained like the Events panel: its markup
// moves into the signed-in app on load and it follows the tenant picker and Refresh. It calls manage/subscriptions
// with the admin key; every value from the API goes in with textContent.
// (The script is kept free of backticks and dollar-brace so that it can live in this template literal.)
import { DOM_HELPERS } from './dom-helpers.js';

export const SUBSCRIPTIONS_PANEL_BODY = String.raw`
<section class="panel" id="subscriptions-panel" aria-labelledby="subscriptions-title">
  <h2 id="subscriptions-title">Event delivery</h2>
  <p class="muted">Push this tenant's events to the app: signed webhooks (Standard Webhooks) or an Azure Storage Queue.</p>
  <div class="table-wrap">
    <table id="subscriptions">
      <caption class="sr-only">Event subscriptions that receive this tenant's events</caption>
      <thead><tr><th scope="col">Kind</th><th scope="col">Target</th><th scope="col">Tenants</th><th scope="col">Types</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
      <tbody id="subscriptions-rows"></tbody>
    </table>
  </div>
  <p id="subscriptions-empty" class="muted" hidden>No subscriptions receive this tenant's events.</p>
  <form id="subscription-form" novalidate>
    <h3>New subscription</h3>
    <div class="field">
      <label for="subscription-kind">Kind</label>
      <select id="subscription-kind"><option value="url">Webhook (https URL)</option><option value="queue">Storage Queue (queue name)</option></select>
    </div>
    <div class="field">
      <label for="subscription-target">Webhook URL or queue name</label>
      <input id="subscription-target" type="text" spellcheck="false" autocomplete="off" required>
    </div>
    <div class="field">
      <label for="subscription-types">Event types (comma-separated; empty for all)</label>
      <input id="subscription-types" type="text" spellcheck="false" autocomplete="off" placeholder="scim.user.deactivated, scim.user.deleted">
    </div>
    <div class="field">
      <label><input id="subscription-all" type="checkbox"> Every tenant's events (not only this tenant's)</label>
    </div>
    <button type="submit" class="primary">Create subscription</button>
    <p id="subscription-error" class="error" role="alert"></p>
  </form>
  <div id="subscription-secret" class="new-token" role="region" aria-labelledby="subscription-secret-title" tabindex="-1" hidden>
    <h3 id="subscription-secret-title">Signing secret</h3>
    <p>Give it to the app now: it verifies each webhook's <code>webhook-signature</code> with it. It is shown only once.</p>
    <input id="subscription-secret-value" type="text" readonly spellcheck="false" aria-label="Signing secret value">
    <button type="button" id="subscription-secret-hide">Done, hide the secret</button>
  </div>
  <div id="deliveries-box" hidden>
    <h3 id="deliveries-title">Deliveries</h3>
    <div class="table-wrap">
      <table id="deliveries">
        <caption class="sr-only">Deliveries of the selected subscription, newest first</caption>
        <thead><tr><th scope="col">First attempt (local)</th><th scope="col">Type</th><th scope="col">Event id</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last result</th><th scope="col">Actions</th></tr></thead>
        <tbody id="deliveries-rows"></tbody>
      </table>
    </div>
    <p id="deliveries-empty" class="muted" hidden>No deliveries yet.</p>
  </div>
  <p id="subscriptions-error" class="error" role="alert"></p>
</section>
`;

export const SUBSCRIPTIONS_PANEL_SCRIPT = String.raw`
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

${DOM_HELPERS}  function button(text, onClick, className) {
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
        if (!res.ok) throw new Error((parsed && (parsed.detail || parsed.error)) || ('HTTP ' + res.status));
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
`;
