import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { ADMIN_TOKEN, testApp, waitFor } from '../helpers.js';
import { browserSkipReason, builtUiAndBrowser, signIn } from '../browser.js';
import { listen, post } from '../live-server.js';

// Triage in the inspector, one browser and one page: a dead-lettered event found by the state filter and retried,
// "Replay these" over a filtered list, the payload's folding tree; the overview's charts at 1280 and 390 px.
const skip = browserSkipReason();
if (skip !== undefined) {
  t.comment(skip);
  t.pass('skipped');
} else {
  const { uiDirectory, browser } = await builtUiAndBrowser(t);

  /** What the chart test reads of a label (the test's types have no DOM). */
  interface LabelNode {
    readonly textContent: string | null;
    getBoundingClientRect(): { left: number; right: number; top: number; bottom: number };
  }

  t.test('find dead letters by state, retry one, replay a filtered list until done, fold the payload', async (t) => {
    let broken = true;
    const delivered: string[] = [];
    const downstream = createServer((req, res) => {
      req.resume().on('end', () => {
        if (broken) return void res.writeHead(500).end();
        delivered.push(String(req.headers['x-passworks-event-id']));
        res.writeHead(204).end();
      });
    });
    downstream.listen(0, '127.0.0.1');
    await once(downstream, 'listening');
    t.teardown(() => {
      downstream.closeAllConnections();
      return new Promise<void>((resolve) => downstream.close(() => resolve()));
    });
    const forward = {
      url: `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/webhooks/passworks`,
      apiKey: 'downstream-key',
      pollMs: 20,
      maxAttempts: 1,
      replayRatePerSecond: 100,
    };
    const { app } = testApp(t, { uiDirectory, forward });
    const base = await listen(t, app);
    for (const event of ['fetched', 'fetched', 'redeemed', 'installed']) t.equal(await post(base, makePassEvent({ event: event as 'fetched' })), 200);
    const api = async <T>(path: string): Promise<T> =>
      (await (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as T;
    await waitFor(async () => (await api<{ data: unknown[] }>('/api/events?forwarding=failed')).data.length === 4, 'all four dead-lettered');

    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    t.teardown(() => page.close());
    await signIn(page, base, ADMIN_TOKEN);

    // Found by the state filter.
    await page.goto(`${base}/ui/#/events`);
    await page.locator('[data-testid=events] tr').nth(3).waitFor();
    await page.getByLabel('forwarding state').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/forwarding=failed/);
    await page.locator('[data-testid=events] tr').nth(3).waitFor();
    t.same(await page.getByTestId('forwarding-state').allTextContents(), ['failed', 'failed', 'failed', 'failed'], 'the state column');

    // Retried: delivered.
    broken = false;
    await page.locator('[data-testid=events] tr').filter({ hasText: 'installed' }).locator('a').first().click();
    await page.getByTestId('forwarding').filter({ hasText: 'failed' }).waitFor();
    const installedId = new URL(page.url()).hash.split('/')[2];
    await page.getByRole('button', { name: 'Retry now' }).click();
    await page
      .getByTestId('forwarding')
      .filter({ hasText: /^delivered/ })
      .waitFor();
    t.match(await page.getByTestId('forwarding').textContent(), /^delivered, 2 attempts \(1 since queued again by replay \d+\)$/);
    t.same(delivered, [installedId], 'the retried event sent once');

    // The payload folds, and the raw bytes are one click away.
    const root = page.locator('[data-testid=json-tree] > details');
    t.ok(await page.getByTestId('json-tree').getByText('"pass_id"').first().isVisible(), 'members shown');
    await root.locator('> summary').click();
    t.equal(await root.getAttribute('open'), null, 'folded');
    t.notOk(await page.getByTestId('json-tree').getByText('"pass_id"').first().isVisible(), 'members hidden when folded');
    await page.getByRole('tab', { name: /Raw bytes/ }).click();
    t.match(await page.getByTestId('raw').textContent(), /"event":"installed"/);

    // "Replay these" over failed fetches: exactly those two, then done.
    await page.goto(`${base}/ui/#/events?forwarding=failed&event=fetched`);
    await page.locator('[data-testid=events] tr').nth(1).waitFor();
    const fetchedIds = await page.locator('[data-testid=events] tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
    await page.getByRole('button', { name: 'Replay these' }).click();
    t.equal(await page.getByTestId('replay-count').textContent(), '2', 'the confirmation shows how many match');
    await page.getByRole('button', { name: 'Replay 2' }).click();
    await page.getByTestId('replay-state').filter({ hasText: 'done' }).waitFor();
    t.match(await page.getByTestId('replay').textContent(), /done, 2 of 2 queued, 2 delivered, 0 failed/);
    t.same([...delivered].sort(), [installedId, ...fetchedIds].sort(), 'exactly the matching events were sent');
    t.same(
      (await api<{ data: Array<{ event: string }> }>('/api/events?forwarding=failed')).data.map((row) => row.event),
      ['redeemed'],
      'the rest left alone',
    );
    t.same(errors, []);
  });

  t.test('chart labels never overlap and charts fill their column, at 1280 and 390 px', async (t) => {
    const { app } = testApp(t, { uiDirectory });
    const base = await listen(t, app);
    // A week of events every 3 hours, four names: a full hourly axis, daily bars and names.
    const names = ['installed', 'fetched', 'redeemed', 'uninstalled'] as const;
    for (let i = 0; i < 56; i++) {
      const at = new Date(Date.UTC(2026, 2, 20) + i * 3 * 3_600_000).toISOString();
      t.equal(await post(base, makePassEvent({ event: names[i % 4] as 'installed', event_at: at })), 200);
    }
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    t.teardown(() => page.close());
    await signIn(page, base, ADMIN_TOKEN);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${base}/ui/#/overview`);
      await page.locator('svg.chart').nth(2).waitFor();
      // Drawn at the measured width: wait for the resize to settle (the svg's width equals its figure's).
      await page.waitForFunction(() => {
        const doc = (
          globalThis as unknown as {
            document: {
              querySelectorAll(
                s: string,
              ): ArrayLike<{ getBoundingClientRect(): { width: number }; parentElement: { getBoundingClientRect(): { width: number } } }>;
            };
          }
        ).document;
        return Array.from(doc.querySelectorAll('svg.chart')).every(
          (svg) => Math.abs(svg.getBoundingClientRect().width - svg.parentElement.getBoundingClientRect().width) < 1,
        );
      });
      const charts = await page.locator('svg.chart').evaluateAll((svgs) =>
        svgs.map((svg) => ({
          title: svg.getAttribute('aria-label'),
          width: svg.getBoundingClientRect().width,
          column: (svg.parentElement?.parentElement ?? svg).getBoundingClientRect().width,
          labels: Array.from(svg.querySelectorAll('text.label') as ArrayLike<LabelNode>).map((text) => {
            const box = text.getBoundingClientRect();
            return { text: text.textContent, left: box.left, right: box.right, top: box.top, bottom: box.bottom };
          }),
        })),
      );
      t.ok(charts.length >= 3, `${width}px: charts drawn`);
      for (const chart of charts) {
        t.ok(chart.width >= chart.column - 1, `${width}px ${chart.title}: fills its column (${chart.width} of ${chart.column})`);
        t.ok(chart.labels.length >= 2, `${width}px ${chart.title}: labelled (${chart.labels.length})`);
        const overlaps = chart.labels.flatMap((a, i) =>
          chart.labels
            .slice(i + 1)
            .filter((b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
            .map((b) => `${a.text} / ${b.text}`),
        );
        t.same(overlaps, [], `${width}px ${chart.title}: no two label boxes intersect`);
      }
    }
  });
}
