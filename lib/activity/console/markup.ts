// The console's markup: static, no data in it (everything is fetched with the admin key after sign-in).
export const CONSOLE_BODY = String.raw`
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <h1>SCIM provisioning console</h1>
  <div class="session" id="session" hidden>
    <span id="session-label">Signed in with the admin key (this tab only)</span>
    <button type="button" id="signout" class="link">Sign out</button>
  </div>
</header>
<main id="main" tabindex="-1">
  <section id="signin" class="panel narrow" aria-labelledby="signin-title">
    <h2 id="signin-title">Sign in</h2>
    <p>Enter the local admin key: <code>npm start</code> prints it as “Admin key (x-functions-key)”. In Azure this page
      signs you in with Microsoft Entra ID instead (operators' app role), and never asks for a key.</p>
    <p class="muted">The key stays in this browser tab (session storage, cleared when the tab closes) and is sent only to
      this console's API, as the <code>x-functions-key</code> header.</p>
    <form id="signin-form" novalidate>
      <label for="admin-key">Admin key</label>
      <div class="copy-row">
        <input id="admin-key" name="admin-key" type="password" autocomplete="off" spellcheck="false" required aria-describedby="signin-error">
        <button type="submit" class="primary">Sign in</button>
      </div>
      <p id="signin-error" class="error" role="alert"></p>
    </form>
  </section>

  <div id="app" hidden>
    <div class="tenant-bar">
      <label for="tenant">Tenant</label>
      <select id="tenant"></select>
      <button type="button" id="refresh">Refresh</button>
      <span id="status-line" class="muted" role="status" aria-live="polite"></span>
    </div>

    <div class="grid">
      <section class="panel" aria-labelledby="integration-title">
        <h2 id="integration-title">SCIM Integration</h2>
        <p class="muted">Paste these into Microsoft Entra ID: Enterprise applications → your app → Provisioning → Admin credentials.</p>
        <div class="field">
          <label for="endpoint">Tenant URL (SCIM endpoint)</label>
          <div class="copy-row">
            <input id="endpoint" type="text" readonly spellcheck="false">
            <button type="button" id="copy-endpoint" aria-describedby="copy-status">Copy</button>
          </div>
        </div>
        <fieldset class="connect-modes">
          <legend>How Entra ID authenticates (Admin credentials → Authentication Method)</legend>
          <label><input type="radio" name="connect-mode" value="token" checked> Secret token</label>
          <label><input type="radio" name="connect-mode" value="oauth"> OAuth2 client credentials grant</label>
          <label><input type="radio" name="connect-mode" value="wif"> Workload identity federation</label>
        </fieldset>
        <div id="mode-token" class="connect-mode">
        <div class="field">
          <span class="label" id="token-label">Secret token</span>
          <p id="token-info" class="muted"></p>
          <button type="button" id="reset-token" class="danger" aria-describedby="token-info">Reset token…</button>
        </div>
        <div id="new-token" class="new-token" role="region" aria-labelledby="new-token-title" tabindex="-1" hidden>
          <h3 id="new-token-title">New secret token</h3>
          <p>Copy it now and save it in Entra ID's <strong>Secret Token</strong> field. It is shown only once.</p>
          <div class="copy-row">
            <input id="new-token-value" type="text" readonly spellcheck="false" aria-label="New token value">
            <button type="button" id="copy-token" aria-describedby="copy-status">Copy token</button>
          </div>
          <p id="new-token-expiry" class="muted"></p>
          <button type="button" id="hide-token">Done, hide the token</button>
        </div>
        </div>
        <div id="mode-oauth" class="connect-mode" hidden>
          <p class="muted">Entra asks for the Tenant URL above, a <strong>Token endpoint</strong>, a <strong>Client identifier</strong> and a <strong>Client secret</strong>. Create a client to get them; the secret is shown only once.</p>
          <button type="button" id="create-oauth-client">Create OAuth client</button>
          <div id="new-oauth-client" class="new-token" role="region" aria-label="New OAuth client" tabindex="-1" hidden>
            <div class="field"><label for="oauth-token-endpoint">Token endpoint</label><div class="copy-row"><input id="oauth-token-endpoint" type="text" readonly spellcheck="false"><button type="button" data-copy="oauth-token-endpoint" data-what="token endpoint">Copy</button></div></div>
            <div class="field"><label for="oauth-client-id">Client identifier</label><div class="copy-row"><input id="oauth-client-id" type="text" readonly spellcheck="false"><button type="button" data-copy="oauth-client-id" data-what="client identifier">Copy</button></div></div>
            <div class="field"><label for="oauth-client-secret">Client secret (shown once)</label><div class="copy-row"><input id="oauth-client-secret" type="text" readonly spellcheck="false"><button type="button" data-copy="oauth-client-secret" data-what="client secret">Copy</button></div></div>
          </div>
        </div>
        <div id="mode-wif" class="connect-mode" hidden>
          <p class="muted">Entra shows an <strong>Issuer</strong>, a <strong>JWKS URL</strong>, a <strong>Subject</strong> and an <strong>Audience</strong>. Enter them here; copy the client ID and token endpoint back into Entra. No secret is exchanged.</p>
          <form id="wif-form">
            <div class="field"><label for="wif-issuer">Issuer</label><input id="wif-issuer" type="url" required spellcheck="false" placeholder="https://login.microsoftonline.com/&lt;tenant id&gt;/v2.0"></div>
            <div class="field"><label for="wif-jwks">JWKS URL</label><input id="wif-jwks" type="url" required spellcheck="false" placeholder="https://login.microsoftonline.com/&lt;tenant id&gt;/discovery/v2.0/keys"></div>
            <div class="field"><label for="wif-subject">Subject</label><input id="wif-subject" type="text" required spellcheck="false"></div>
            <div class="field"><label for="wif-audience">Audience</label><input id="wif-audience" type="text" required spellcheck="false" placeholder="api://&lt;app id&gt;"></div>
            <button type="submit" id="create-wif-client">Create federated client</button>
          </form>
          <div id="new-wif-client" class="new-token" role="region" aria-label="New federated client" tabindex="-1" hidden>
            <div class="field"><label for="wif-client-id">Client ID</label><div class="copy-row"><input id="wif-client-id" type="text" readonly spellcheck="false"><button type="button" data-copy="wif-client-id" data-what="client ID">Copy</button></div></div>
            <div class="field"><label for="wif-token-endpoint">Token endpoint</label><div class="copy-row"><input id="wif-token-endpoint" type="text" readonly spellcheck="false"><button type="button" data-copy="wif-token-endpoint" data-what="token endpoint">Copy</button></div></div>
          </div>
        </div>
        <div id="oauth-clients-block" hidden>
          <h3 id="oauth-clients-title">OAuth clients</h3>
          <ul id="oauth-clients" aria-labelledby="oauth-clients-title"></ul>
        </div>
        <p id="copy-status" class="muted" role="status" aria-live="polite"></p>
      </section>

      <section class="panel" aria-labelledby="summary-title">
        <h2 id="summary-title">Last sync</h2>
        <p id="summary-window" class="muted"></p>
        <dl class="stats" id="summary-stats"></dl>
        <figure>
          <svg id="chart" viewBox="0 0 600 150" preserveAspectRatio="none" role="img" aria-labelledby="chart-title chart-desc">
            <title id="chart-title">Requests over time, by outcome</title>
            <desc id="chart-desc"></desc>
          </svg>
          <figcaption class="legend"><span><span class="swatch success"></span>Succeeded</span><span><span class="swatch failure"></span>Failed</span><span id="chart-scale"></span></figcaption>
        </figure>
        <h3>Most frequent errors</h3>
        <ul id="top-errors" class="top-errors"></ul>
      </section>
    </div>

    <section class="panel" aria-labelledby="activity-title">
      <h2 id="activity-title">Provisioning activity</h2>
      <form id="filters" class="filters" novalidate>
        <div>
          <label for="f-outcome">Outcome</label>
          <select id="f-outcome" name="outcome">
            <option value="all">All</option>
            <option value="success">Succeeded</option>
            <option value="failure">Failed</option>
            <option value="4xx">Client errors (4xx)</option>
            <option value="5xx">Server errors (5xx)</option>
          </select>
        </div>
        <div>
          <label for="f-resource">Resource</label>
          <select id="f-resource" name="resourceType">
            <option value="all">All</option>
            <option value="User">Users</option>
            <option value="Group">Groups</option>
            <option value="ServiceProviderConfig">Service provider config</option>
            <option value="Schema">Schemas</option>
            <option value="ResourceType">Resource types</option>
          </select>
        </div>
        <div>
          <label for="f-method">Method</label>
          <select id="f-method" name="method">
            <option value="all">All</option>
            <option>GET</option><option>POST</option><option>PUT</option><option>PATCH</option><option>DELETE</option>
          </select>
        </div>
        <div>
          <label for="f-range">Time</label>
          <select id="f-range" name="range">
            <option value="">Any time</option>
            <option value="3600000">Last hour</option>
            <option value="86400000">Last 24 hours</option>
            <option value="604800000">Last 7 days</option>
            <option value="2592000000">Last 30 days</option>
          </select>
        </div>
        <div>
          <label for="f-name">userName or group name</label>
          <input id="f-name" name="name" type="search" spellcheck="false" placeholder="exact, any case">
        </div>
        <div class="actions">
          <button type="submit" class="primary">Apply filters</button>
          <button type="button" id="f-clear">Clear</button>
        </div>
      </form>
      <div class="table-wrap">
        <table id="activity">
          <caption class="sr-only">SCIM requests from Entra ID, newest first</caption>
          <thead>
            <tr><th scope="col">Time (local)</th><th scope="col">Request</th><th scope="col">Name</th><th scope="col">Outcome</th><th scope="col">Details</th><th scope="col" class="num">ms</th></tr>
          </thead>
          <tbody id="activity-rows"></tbody>
        </table>
      </div>
      <p id="activity-empty" class="muted" hidden>No activity matches these filters.</p>
      <div class="more-row"><button type="button" id="more" hidden>Load older entries</button></div>
    </section>
  </div>
</main>

<dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-desc">
  <h2 id="confirm-title">Reset the secret token?</h2>
  <div id="confirm-desc">
    <p>Tenant: <strong id="confirm-tenant"></strong></p>
    <p>A new token is issued and shown once. The current token stops working <strong id="confirm-when">immediately</strong>:
      provisioning from Entra ID fails until the new token is saved in the app's Admin credentials.</p>
  </div>
  <label class="check"><input type="checkbox" id="confirm-grace"> Keep the current token working for one more hour</label>
  <div class="dialog-actions">
    <button type="button" id="confirm-cancel">Cancel</button>
    <button type="button" id="confirm-ok" class="danger solid">Reset token</button>
  </div>
</dialog>
`;
