import t from 'tap';
import { CONFIG_VARIABLES, helpText, loadConfig, main } from '@passworks-webhooks/receiver';

t.test('defaults apply when only PASSWORKS_API_KEY is set', async (t) => {
  t.same(loadConfig({ PASSWORKS_API_KEY: 'k1, k2 ,' }), {
    help: false,
    config: {
      apiKeys: ['k1', 'k2'],
      port: 3000,
      host: '0.0.0.0',
      databasePath: './data/passworks.db',
      databaseUrl: undefined,
      poolSize: 10,
      adminToken: undefined,
      retentionDays: 0,
      logLevel: 'info',
      logFormat: undefined,
      bodyLimitBytes: 102_400,
      durability: 'normal',
      trustProxy: false,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 65_000,
      forward: undefined,
    },
  });
});

t.test('DATABASE_URL (or --database-url) selects PostgreSQL; anything but a postgres:// URL is refused, naming it', async (t) => {
  const base = { PASSWORKS_API_KEY: 'k' };
  t.match(loadConfig({ ...base, DATABASE_URL: 'postgres://app@db.internal:5432/passworks' }), {
    config: { databaseUrl: 'postgres://app@db.internal:5432/passworks', poolSize: 10 },
  });
  t.match(loadConfig(base, ['--database-url', 'postgresql://app@db/x', '--database-pool-size', '3']), {
    config: { databaseUrl: 'postgresql://app@db/x', poolSize: 3 },
  });
  t.throws(() => loadConfig({ ...base, DATABASE_URL: 'mysql://app@db/x' }), { code: 'invalid_config', message: /^DATABASE_URL \(--database-url\)/ });
  t.throws(() => loadConfig({ ...base, DATABASE_POOL_SIZE: '0' }), { code: 'invalid_config', message: /^DATABASE_POOL_SIZE/ });
});

t.test('FORWARD_URL (or --forward-url) with FORWARD_API_KEY turns forwarding on; the key is never echoed', async (t) => {
  const key = 'pk_live_forward-key-never-echoed';
  t.match(
    loadConfig({ PASSWORKS_API_KEY: 'k', FORWARD_API_KEY: key }, [
      '--forward-url',
      'http://127.0.0.1:4000/webhooks/passworks',
      '--forward-concurrency',
      '2',
      '--replay-rate',
      '5',
    ]),
    {
      config: {
        forward: {
          url: 'http://127.0.0.1:4000/webhooks/passworks',
          apiKey: key,
          concurrency: 2,
          timeoutMs: 10_000,
          maxAttempts: 12,
          maxAgeMs: 86_400_000,
          backoffBaseMs: 1_000,
          backoffMaxMs: 300_000,
          replayRatePerSecond: 5,
        },
      },
    },
  );
  t.throws(() => loadConfig({ PASSWORKS_API_KEY: 'k', FORWARD_URL: 'http://127.0.0.1:4000/' }), {
    code: 'invalid_config',
    message: /^FORWARD_API_KEY is not set/,
  });
  t.throws(() => loadConfig({ PASSWORKS_API_KEY: 'k', FORWARD_API_KEY: key }), { code: 'invalid_config', message: /^FORWARD_API_KEY is set but FORWARD_URL/ });
  t.throws(() => loadConfig({ PASSWORKS_API_KEY: 'k', FORWARD_API_KEY: key, FORWARD_URL: 'http://u:pw-secret-9@127.0.0.1:4000/hook' }), {
    code: 'invalid_config',
    message: /^FORWARD_URL \(--forward-url\): expected a URL without a user or password \(.*\), got "http:\/\/u:\*\*\*@127\.0\.0\.1:4000\/hook"$/,
  });
  t.throws(() => loadConfig({ PASSWORKS_API_KEY: 'k', FORWARD_API_KEY: key, FORWARD_URL: 'http://' }), {
    code: 'invalid_config',
    message: /^FORWARD_URL \(--forward-url\): expected an http/,
  });
  t.throws(() => loadConfig({ PASSWORKS_API_KEY: 'k', FORWARD_API_KEY: key, FORWARD_URL: 'ftp://x' }), {
    code: 'invalid_config',
    message: /^FORWARD_URL \(--forward-url\): expected an http/,
  });
  try {
    loadConfig({ PASSWORKS_API_KEY: 'k', FORWARD_URL: 'http://x/', FORWARD_API_KEY: ' ' });
  } catch (error) {
    t.notOk(String(error).includes(key));
  }
  t.throws(
    () => loadConfig({ PASSWORKS_API_KEY: 'k', FORWARD_API_KEY: key }, ['--forward-api-key', key]),
    { code: 'invalid_config' },
    'no flag for the key (argv is visible to other users)',
  );
  t.match(helpText(), /FORWARD_URL, --forward-url/);
  t.match(helpText(), /FORWARD_API_KEY\n/);
  t.match(helpText(), /REPLAY_RATE, --replay-rate/);
});

t.test('TRUST_PROXY takes off, a hop count or a list of proxies, and the server timeouts their own variables', async (t) => {
  const base = { PASSWORKS_API_KEY: 'k' };
  const trustOf = (value: string): unknown => (loadConfig({ ...base, TRUST_PROXY: value }) as { config: { trustProxy: unknown } }).config.trustProxy;
  t.equal(trustOf('false'), false);
  t.equal(trustOf('0'), false);
  t.equal(trustOf('2'), 2);
  t.same(trustOf('10.0.0.0/8, 192.168.1.7'), ['10.0.0.0/8', '192.168.1.7']);
  t.same(trustOf('loopback'), ['127.0.0.1/8', '::1']);
  t.match(loadConfig(base, ['--trust-proxy', '1', '--request-timeout-ms', '5000', '--headers-timeout-ms', '2000', '--keep-alive-timeout-ms', '3000']), {
    config: { trustProxy: 1, requestTimeoutMs: 5_000, headersTimeoutMs: 2_000, keepAliveTimeoutMs: 3_000 },
  });
  t.throws(() => loadConfig({ ...base, TRUST_PROXY: 'proxy.internal' }), {
    code: 'invalid_config',
    message: /^TRUST_PROXY \(--trust-proxy\): expected .*, got "proxy.internal"/,
  });
  t.throws(() => loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/33' }), { code: 'invalid_config', message: /^TRUST_PROXY/ });
  t.throws(() => loadConfig({ ...base, REQUEST_TIMEOUT_MS: '300001' }), { code: 'invalid_config', message: /^REQUEST_TIMEOUT_MS/ });
  t.throws(() => loadConfig({ ...base, HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '10000' }), {
    code: 'invalid_config',
    message: /^HEADERS_TIMEOUT_MS \(--headers-timeout-ms\): expected at most REQUEST_TIMEOUT_MS/,
  });
  t.match(helpText(), /TRUST_PROXY, --trust-proxy/);
});

t.test('flags override env vars', async (t) => {
  const loaded = loadConfig({ PASSWORKS_API_KEY: 'k', PORT: '1', DURABILITY: 'normal' }, [
    '--port',
    '8080',
    '--durability',
    'full',
    '--database-path',
    '/tmp/x.db',
    '--body-limit',
    '2048',
  ]);
  t.match(loaded, { help: false, config: { port: 8080, durability: 'full', databasePath: '/tmp/x.db', bodyLimitBytes: 2048 } });
});

t.test('a bad value is rejected with a message naming the variable and the value', async (t) => {
  const base = { PASSWORKS_API_KEY: 'k' };
  t.throws(() => loadConfig({}), { code: 'invalid_config', message: /PASSWORKS_API_KEY is not set/ });
  t.throws(() => loadConfig({ ...base, PORT: '70000' }), {
    code: 'invalid_config',
    message: 'PORT (--port): expected an integer from 0 to 65535, got "70000"',
  });
  t.throws(() => loadConfig({ ...base, DURABILITY: 'fast' }), { message: /^DURABILITY \(--durability\): expected one of normal, full, got "fast"/ });
  t.throws(() => loadConfig({ ...base, LOG_LEVEL: 'loud' }), { message: /^LOG_LEVEL/ });
  t.throws(() => loadConfig({ ...base, RETENTION_DAYS: '-1' }), { message: /^RETENTION_DAYS/ });
  t.throws(() => loadConfig({ ...base, BODY_LIMIT: '1kb' }), { message: /^BODY_LIMIT/ });
  t.throws(() => loadConfig({ ...base, ADMIN_TOKEN: 'short-secret' }), { message: 'ADMIN_TOKEN: expected a token of at least 16 characters, got (hidden)' });
  t.throws(() => loadConfig(base, ['--colour', 'red']), { code: 'invalid_config', message: /colour/ });
});

t.test('LOG_FORMAT (or --log-format) takes json or pretty; anything else is refused, naming the variable', async (t) => {
  const base = { PASSWORKS_API_KEY: 'k' };
  t.match(loadConfig({ ...base, LOG_FORMAT: 'json' }), { config: { logFormat: 'json' } });
  t.match(loadConfig(base, ['--log-format', 'pretty']), { config: { logFormat: 'pretty' } });
  t.throws(() => loadConfig({ ...base, LOG_FORMAT: 'text' }), {
    code: 'invalid_config',
    message: 'LOG_FORMAT (--log-format): expected one of json, pretty, got "text"',
  });
  t.match(helpText(), /LOG_FORMAT, --log-format\n.*Unset: pretty when stdout is a terminal, json otherwise\.\n\s+Type: one of json, pretty\./);
});

t.test('a stray positional argument is reported without echoing it (it is often a secret)', async (t) => {
  const secret = 'pk_live_forgotten-flag-secret';
  const error = t.throws(() => loadConfig({ PASSWORKS_API_KEY: 'k' }, ['--port', '8080', secret]), {
    code: 'invalid_config',
    message: /positional argument/,
  }) as Error;
  t.notOk(`${error.message} ${String((error.cause as Error | undefined)?.message)}`.includes(secret), 'neither the message nor its cause holds the value');
  const out: string[] = [];
  await main([secret], { PASSWORKS_API_KEY: 'k' }, { stdout: (s) => void out.push(s), stderr: (s) => void out.push(s), exit: () => {} });
  t.notOk(out.join('').includes(secret), 'not printed by the command');
});

t.test('--help lists every variable with its type and default', async (t) => {
  t.same(loadConfig({}, ['--help']), { help: true });
  const text = helpText();
  for (const v of CONFIG_VARIABLES) {
    t.match(text, v.env);
    if ('flag' in v) t.match(text, `--${v.flag}`);
    t.match(text, `Default: ${'default' in v ? v.default : 'none'}`);
  }
});

t.test('main prints help and exits 0, or exits 2 naming a bad variable', async (t) => {
  const out: string[] = [];
  const codes: number[] = [];
  const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s), exit: (c: number) => void codes.push(c) };
  t.equal(await main(['--help'], {}, io), undefined);
  t.match(out[0], /PASSWORKS_API_KEY/);
  await main([], { PASSWORKS_API_KEY: 'k', PORT: 'x' }, io);
  t.same(codes, [0, 2]);
  t.match(out[1], /invalid configuration: PORT \(--port\)/);
});
