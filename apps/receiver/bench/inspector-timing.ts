/**
 * `npm run bench:inspector -w @passworks-webhooks/receiver [-- <events>]`: the
 * inspector's speed with many stored events. Fills a temporary database with
 * N events (default 1,000,000; plain SQL rows spread over 10,000 passes) plus
 * one real pass, then times in headless Chromium: the events page and the
 * pass page from navigation to rows on screen, and a new event's trip from
 * its 200 (after commit) to its row on the open page. Medians of 5 and 20.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { startReceiver } from '@passworks-webhooks/receiver';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { browserSkipReason, buildUi, launchBrowser, tempFolder } from '../test/browser.js';
import { ADMIN_TOKEN, API_KEY, WEBHOOK_PATH, couponSteps, lifecycle } from '../test/helpers.js';

const count = Number(process.argv[2] ?? 1_000_000);
const skip = browserSkipReason();
if (skip !== undefined) {
  console.error(skip);
  process.exit(1);
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const work = tempFolder('receiver-inspector-bench-');
try {
  const uiDirectory = join(work.path, 'ui');
  await buildUi(uiDirectory);
  const receiver = await startReceiver({
    apiKeys: [API_KEY],
    adminToken: ADMIN_TOKEN,
    databasePath: join(work.path, 'bench.db'),
    port: 0,
    host: '127.0.0.1',
    uiDirectory,
    logger: pino({ level: 'silent' }),
  });
  let started = performance.now();
  receiver.app.db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
    INSERT INTO events (idempotency_key, event, pass_id, campaign_id, distribution_id, serial_number, event_at, event_at_ms, sort_key, voided, redeemed_count, received_at, raw)
    SELECT 'seed-' || i, CASE i % 4 WHEN 0 THEN 'fetched' WHEN 1 THEN 'installed' WHEN 2 THEN 'redeemed' ELSE 'downloaded' END,
      '00000000-0000-4000-8000-' || printf('%012d', i % 10000), '00000000-0000-4000-8000-00000000000' || (i % 5), '00000000-0000-4000-8000-000000000002',
      'S' || i, strftime('%Y-%m-%dT%H:%M:%fZ', 1772355600 + i * 30, 'unixepoch'), (1772355600 + i * 30) * 1000, printf('%020d', i), 0, 0, 1772355600000 + i,
      CAST('{"seeded":true}' AS BLOB) FROM n;
  `);
  console.log(`seeded ${count.toLocaleString('en')} events in ${Math.round(performance.now() - started)} ms`);
  const send = async (body: unknown): Promise<void> => {
    const res = await fetch(`${receiver.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: API_KEY },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`delivery answered ${res.status}`);
    await res.arrayBuffer();
  };
  const pass = lifecycle(couponSteps());
  for (const event of pass) await send(event);
  const browser = await launchBrowser(join(work.path, 'profile'));
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${receiver.url}/ui/`);
    await page.locator('input[name=token]').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('live', { exact: true }).waitFor();
    const timings: Record<string, number[]> = { 'events page': [], 'events page, filtered by name': [], 'pass page': [], 'commit to screen': [] };
    // Measured in the page: from its navigation start to the first animation frame with the rows in the document.
    // Each load starts from a same-origin page (not about:blank), so it times the receiver and the page, not Chromium starting a renderer process.
    const time = async (name: string, url: string, ready: string): Promise<void> => {
      await page.goto(`${receiver.url}/healthz`);
      await page.goto(url);
      const painted = await page.waitForFunction(
        (selector) => {
          const g = globalThis as unknown as { document: { querySelector(s: string): unknown } };
          return g.document.querySelector(selector) !== null && performance.now();
        },
        ready,
        { polling: 'raf' },
      );
      timings[name]?.push((await painted.jsonValue()) as number);
      if (process.env.BENCH_VERBOSE === '1') {
        console.log(
          name,
          JSON.stringify(await page.evaluate(() => performance.getEntries().map((e) => [e.name.slice(-40), Math.round(e.startTime), Math.round(e.duration)]))),
        );
      }
    };
    for (let i = 0; i < 5; i++) {
      await time('events page', `${receiver.url}/ui/#/events`, '[data-testid=events] tr');
      await time('events page, filtered by name', `${receiver.url}/ui/#/events?event=redeemed`, '[data-testid=events] tr');
      await time('pass page', `${receiver.url}/ui/#/passes/${pass[0]?.pass_id}`, '[data-testid=timeline] tbody tr');
    }
    await page.goto(`${receiver.url}/ui/#/events`);
    await page.getByText('live', { exact: true }).waitFor();
    for (let i = 0; i < 20; i++) {
      const event = makePassEvent();
      await send(event);
      const committed = performance.now();
      await page.locator(`[data-testid=events] tr td[title="${event.pass_id}"]`).waitFor();
      timings['commit to screen']?.push(performance.now() - committed);
    }
    console.log(`| measure (${count.toLocaleString('en')} events stored) | median ms | max ms |\n| --- | ---: | ---: |`);
    for (const [name, values] of Object.entries(timings)) console.log(`| ${name} | ${Math.round(median(values))} | ${Math.round(Math.max(...values))} |`);
  } finally {
    await browser.close();
    await receiver.close();
  }
} finally {
  work.remove();
}
