// Safe webhook targets (issue 17): https to public addresses only, checked at registration and again when each
// delivery connects (a DNS answer that changes to a private address is refused at delivery time).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { deliveryConfigFromEnv, DEFAULT_RETRY_SCHEDULE } from '../../lib/delivery/config.js';
import { applyOutcome, retryDelaySeconds } from '../../lib/delivery/engine.js';
import { newSecret, signatureHeaders } from '../../lib/delivery/signer.js';
import type { DeliveryRecord } from '../../lib/delivery/store.js';
import { checkTarget, isPublicAddress, parseTargetUrl, type Resolver } from '../../lib/delivery/targets.js';
import { WebhookSender } from '../../lib/delivery/webhook-sender.js';

const resolveTo = (...addresses: string[]): Resolver => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('isPublicAddress', () => {
  it.each([
    '10.0.0.1', '172.16.5.4', '192.168.1.1', '127.0.0.1', '127.255.0.9', '169.254.169.254', '100.64.1.1', '0.0.0.0',
    '224.0.0.1', '255.255.255.255', '168.63.129.16', '::1', '::', 'fd00:ec2::254', 'fe80::1', 'ff02::1',
    '::ffff:10.0.0.1', '::ffff:7f00:1', '64:ff9b::a9fe:a9fe', '2001:db8::1',
  ])('%s is not public', (address) => expect(isPublicAddress(address)).toBe(false));
  it.each(['8.8.8.8', '20.50.1.2', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => expect(isPublicAddress(address)).toBe(true));
});

describe('registration checks', () => {
  it('refuses names resolving to private addresses (any one of them), and loopback without SCIM_WEBHOOKS_ALLOW_LOOPBACK', async () => {
    await expect(checkTarget('https://hooks.example.com/x', false, resolveTo('10.0.0.7'))).rejects.toThrow(/not a public address/);
    await expect(checkTarget('https://hooks.example.com/x', false, resolveTo('20.1.2.3', '192.168.0.2'))).rejects.toThrow(/192\.168\.0\.2/);
    await expect(checkTarget('https://hooks.example.com/x', false, resolveTo('20.1.2.3'))).resolves.toBeInstanceOf(URL);
    expect(() => parseTargetUrl('http://127.0.0.1:8080/x', false)).toThrow(/https/);
    expect(() => parseTargetUrl('https://localhost/x', false)).toThrow(/public/);
    expect(() => parseTargetUrl('https://app.localhost/x', false)).toThrow(/public/);
    expect(parseTargetUrl('http://127.0.0.1:8080/x', true).href).toBe('http://127.0.0.1:8080/x');
    expect(parseTargetUrl('http://localhost:8080/x', true).href).toBe('http://localhost:8080/x');
    // The loopback flag allows loopback, not the rest of the private ranges.
    expect(() => parseTargetUrl('http://10.0.0.1/x', true)).toThrow(/https/);
    expect(() => parseTargetUrl('https://10.0.0.1/x', true)).toThrow(/public/);
    await expect(checkTarget('https://localhost/x', true, resolveTo('10.0.0.1'))).rejects.toThrow(/not a public address/);
  });
});

describe('delivery-time checks', () => {
  it('re-resolves at connect time: a name that now points at a private address gets no request', async () => {
    let hits = 0;
    const server = http.createServer((_req, res) => {
      hits++;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    try {
      // "rebind.example" passed registration with a public answer; now it answers 127.0.0.1 / 10.0.0.1.
      const sender = new WebhookSender({ allowLoopback: false, resolve: resolveTo('127.0.0.1') });
      const outcome = await sender.send({ url: `https://rebind.example:${port}/x`, secret: newSecret() }, 'evt-1', '{}');
      expect(outcome.ok).toBe(false);
      expect(outcome.error).toMatch(/not a public address/);
      const http1 = new WebhookSender({ allowLoopback: true, resolve: resolveTo('10.0.0.1') });
      expect((await http1.send({ url: `http://localhost:${port}/x`, secret: newSecret() }, 'evt-2', '{}')).error).toMatch(/not a public address/);
      expect(hits).toBe(0);
      // The same sender reaches an allowed loopback receiver (SCIM_WEBHOOKS_ALLOW_LOOPBACK).
      const ok = new WebhookSender({ allowLoopback: true, resolve: resolveTo('127.0.0.1') });
      expect((await ok.send({ url: `http://localhost:${port}/x`, secret: newSecret() }, 'evt-3', '{}')).ok).toBe(true);
      expect(hits).toBe(1);
    } finally {
      server.close();
    }
  });

  it('a redirect is a failure (never followed), and a silent receiver times out', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/redirect') {
        res.statusCode = 307;
        res.setHeader('location', 'http://169.254.169.254/');
        res.end();
      }
      // /silent: never answers
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    try {
      const sender = new WebhookSender({ allowLoopback: true, timeoutMs: 300 });
      const redirected = await sender.send({ url: `http://127.0.0.1:${port}/redirect`, secret: newSecret() }, 'e', '{}');
      expect(redirected).toMatchObject({ ok: false, statusCode: 307 });
      expect(redirected.error).toContain('redirect');
      const silent = await sender.send({ url: `http://127.0.0.1:${port}/silent`, secret: newSecret() }, 'e', '{}');
      expect(silent).toMatchObject({ ok: false });
      expect(silent.error).toContain('no response within');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('signatures and backoff', () => {
  it('the signer agrees with standardwebhooks verify, also for non-ASCII bodies', () => {
    const secret = newSecret();
    const body = JSON.stringify({ id: 'x.1', data: { displayName: 'Zoë Ångström ✓' } });
    const headers = signatureHeaders(secret, 'x.1', body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('Zoë', 'Zoe'), { ...headers })).toThrow();
  });

  it('default schedule: first retry within 30 s, retries for at least 24 h, then failed', () => {
    expect(DEFAULT_RETRY_SCHEDULE[0]).toBeLessThanOrEqual(30);
    expect(DEFAULT_RETRY_SCHEDULE.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(24 * 3600);
    expect(retryDelaySeconds(DEFAULT_RETRY_SCHEDULE, DEFAULT_RETRY_SCHEDULE.length + 1)).toBeUndefined();
    const record: DeliveryRecord = { key: 'd:1:e', eventId: 'e', tenantId: 't', type: 'scim.user.created', attempts: 0, status: 'pending', firstAttemptAt: '' };
    let at = 0;
    for (let i = 0; i < DEFAULT_RETRY_SCHEDULE.length; i++) {
      const next = applyOutcome(record, { ok: false, statusCode: 500, error: 'HTTP 500' }, DEFAULT_RETRY_SCHEDULE, at);
      expect(record.status).toBe('pending');
      at = next as number;
    }
    expect(at).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    expect(applyOutcome(record, { ok: false, statusCode: 500 }, DEFAULT_RETRY_SCHEDULE, at)).toBeUndefined();
    expect(record).toMatchObject({ status: 'failed', attempts: DEFAULT_RETRY_SCHEDULE.length + 1, lastStatusCode: 500 });
  });

  it('settings are validated, naming the setting', () => {
    expect(() => deliveryConfigFromEnv({ SCIM_DELIVERY_RETRY_SCHEDULE: '5,abc' })).toThrow(/SCIM_DELIVERY_RETRY_SCHEDULE/);
    expect(() => deliveryConfigFromEnv({ SCIM_WEBHOOKS_ALLOW_LOOPBACK: 'maybe' })).toThrow(/SCIM_WEBHOOKS_ALLOW_LOOPBACK/);
    expect(() => deliveryConfigFromEnv({ SCIM_DELIVERY_LEASE_SECONDS: '0' })).toThrow(/SCIM_DELIVERY_LEASE_SECONDS/);
    expect(() => deliveryConfigFromEnv({ SCIM_QUEUE_ENDPOINT: 'queue' })).toThrow(/SCIM_QUEUE_ENDPOINT/);
    expect(deliveryConfigFromEnv({ SCIM_TABLE_NAME: 'scim' })).toMatchObject({ tableName: 'scimdelivery', allowLoopback: false, leaseSeconds: 30 });
  });
});
