// The console's Events panel (issue 16): a tenant's change feed, newest first — time, type, subject, name, changed
// attributes — paged by cursor through GET manage/tenants/{tenantId}/events/recent. Self-contained: its markup is
// moved into the signed-in app on load, and it follows the page's tenant picker and Refresh button, so the rest of
// the console does not need to know about it. Every value from the API goes in with textContent.
// (The script is kept free of backticks and dollar-brace so that it can live in this template literal.)
import { DOM_HELPERS } from './dom-helpers.js';

export const EVENTS_PANEL_BODY = String.raw`
<section class="panel" id="events-panel" aria-labelledby="events-title">
  <h2 id="events-title">Events</h2>
  <p class="muted">What the app behind this endpoint is told: every committed change as a CloudEvent, newest first
    (read them in order with <code>GET manage/tenants/&lt;tenant&gt;/events</code>).</p>
  <div class="table-wrap">
    <table id="events">
      <caption class="sr-only">Change events of this tenant, newest first</caption>
      <thead>
        <tr><th scope="col">Time (local)</th><th scope="col">Type</th><th scope="col">Subject</th><th scope="col">Name</th><th scope="col">Changed attributes</th><th scope="col" class="num">#</th></tr>
      </thead>
      <tbody id="events-rows"></tbody>
    </table>
  </div>
  <p id="events-empty" class="muted" hidden>No events yet.</p>
  <p id="events-error" class="error" role="alert"></p>
  <div class="more-row"><button type="button" id="events-more" hidden>Load older events</button></div>
</section>
`;

export const EVENTS_PANEL_SCRIPT = String.raw`
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

${DOM_HELPERS}  function row(e) {
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
        if (!reply.ok) throw new Error((reply.body && (reply.body.detail || reply.body.error)) || 'The events could not be loaded.');
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
`;
