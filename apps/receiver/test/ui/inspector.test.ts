import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import type { Page } from 'playwright-core';
import { makePassEvent } from '@passworks-webhooks/core/testing';
import { ADMIN_TOKEN, API_KEY, WEBHOOK_PATH, couponSteps, lifecycle, testApp } from '../helpers.js';
import { browserSkipReason, builtUiAndBrowser, signIn } from '../browser.js';
import { listen, post } from '../live-server.js';

const skip = browserSkipReason();
if (skip !== undefined) {
  t.comment(skip);
  t.pass('skipped');
} else {
  const TIMEOUT = 10_000;
  const { uiDirectory, browser } = await builtUiAndBrowser(t);

  /** A page that records every dialog (dismissed) and page error: a hostile payload must raise none. */
  const openPage = async (): Promise<{ page: Page; dialogs: string[]; errors: string[] }> => {
    const page = await browser.newPage();
    page.setDefaultTimeout(TIMEOUT);
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => errors.push(error.message));
    return { page, dialogs, errors };
  };
  /** A rejection row is written after its answer: waits (at most 5 s) until the API lists one. */
  const untilRejectionListed = async (base: string): Promise<void> => {
    for (let tries = 0; tries < 50; tries++) {
      const listed = (await (await fetch(`${base}/api/rejections`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { data: unknown[] };
      if (listed.data.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  t.test('a wrong token, or the webhook key, is refused', async (t) => {
    const { app } = testApp(t, { uiDirectory });
    const base = await listen(t, app);
    const { page } = await openPage();
    t.teardown(() => page.close());
    for (const token of ['not-the-admin-token-000', API_KEY]) {
      await signIn(page, base, token);
      await page.getByRole('alert').waitFor();
      t.match(await page.getByRole('alert').textContent(), 'That token was refused');
      t.match(page.url(), /\/ui\/\?signin=failed$/);
      t.same(await browser.cookies(base), [], 'no session cookie');
    }
    t.equal(await page.evaluate(async () => (await fetch('/api/events')).status), 401, 'the page cannot read the API');
  });

  t.test('sign in, see the events, watch one arrive, filter, open an event and a pass, rejections, overview, sign out', async (t) => {
    const { app } = testApp(t, { uiDirectory });
    const base = await listen(t, app);
    const coupon = lifecycle(couponSteps());
    const passId = coupon[0]?.pass_id as string;
    // The pass's 4th event arrives last: an out-of-order arrival.
    const sent = [...coupon.slice(0, 3), ...coupon.slice(4), coupon[3]];
    for (const event of sent) t.equal(await post(base, event as never), 200);
    for (let i = 0; i < 5; i++) t.equal(await post(base, makePassEvent()), 200);
    t.equal(await post(base, coupon[3] as never), 200, 'a duplicate of the out-of-order fetch');
    const { page, dialogs, errors } = await openPage();
    t.teardown(() => page.close());

    await signIn(page, base, ADMIN_TOKEN);
    await page.getByText('live', { exact: true }).waitFor();
    const cookies = await browser.cookies(base);
    t.match(cookies, [{ name: 'passworks_session', httpOnly: true, sameSite: 'Strict' }]);
    t.notMatch(JSON.stringify(cookies), ADMIN_TOKEN, 'the token is not stored in the browser');
    const rows = page.locator('[data-testid=events] tr');
    t.equal(await rows.count(), sent.length + 5, 'every stored event is listed');
    t.equal(await rows.first().getAttribute('data-id'), String(sent.length + 5), 'newest first');

    const live = makePassEvent({ event: 'redeemed', pass_id: randomUUID() });
    t.equal(await post(base, live), 200);
    await page.locator(`[data-testid=events] tr[data-id="${sent.length + 6}"]`).waitFor();
    t.match(await rows.first().textContent(), 'redeemed', 'the new event appeared on top without a reload');

    await page.locator('input[name=pass_id]').fill(passId);
    await page.locator('input[name=event]').fill('fetched');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('[data-testid=events] tr')
          .length === 3,
    );
    t.same(await page.locator('[data-testid=events] tr td:nth-child(2)').allTextContents(), ['fetched', 'fetched', 'fetched'], "only this pass's fetches");

    await rows.first().locator('a').first().click();
    await page.getByTestId('json-tree').waitFor();
    await page.getByRole('tab', { name: /Raw bytes/ }).click();
    await page.getByTestId('raw').waitFor();
    const stored = await (
      await fetch(`${base}/api/events/${new URL(page.url()).hash.split('/')[2]}/raw`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).text();
    t.equal(await page.getByTestId('raw').textContent(), stored, 'the exact raw bytes');
    const curl = (await page.getByTestId('curl').textContent()) ?? '';
    t.match(curl, '$PASSWORKS_API_KEY');
    t.notMatch(curl, API_KEY, 'copy as curl never holds the key');
    t.match(await page.getByTestId('fields').textContent(), 'dedupe key');
    t.match(await page.getByTestId('fields').textContent(), /duplicates seen1 \(later deliveries/, 'the duplicate counted on its event');

    await page.getByRole('link', { name: `Pass ${passId}` }).click();
    await page.getByTestId('timeline').waitFor();
    t.same(
      await page.locator('[data-testid=timeline] tbody tr td:nth-child(2)').allTextContents(),
      coupon.map((event) => event.event),
      'the timeline in event_at order',
    );
    t.equal(await page.locator('[data-testid=timeline] tr.late').count(), 1, 'one out-of-order arrival marked');
    t.match(await page.locator('[data-testid=timeline] tr.late').textContent(), 'arrived out of order');
    t.match(await page.getByTestId('state').textContent(), /redeemed1/);

    const rejected = await fetch(`${base}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'wrong-key' },
      body: '{}',
    });
    t.equal(rejected.status, 401);
    await untilRejectionListed(base);
    await page.getByRole('link', { name: 'Rejections' }).click();
    await page.locator('[data-testid=rejections] tbody tr').first().waitFor();
    t.match(await page.locator('[data-testid=rejections] tbody tr').first().textContent(), /401unauthorized/);

    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByTestId('total').waitFor();
    t.match(await page.getByTestId('total').textContent(), `${sent.length + 6} events stored`);
    t.match(await page.getByTestId('duplicates-total').textContent(), '1 duplicates answered');
    t.match(await page.getByTestId('rejections-total').textContent(), '1 rejections');
    t.same(await page.locator('svg.chart').evaluateAll((charts) => charts.map((chart) => chart.getAttribute('aria-label'))), [
      'events per hour by name',
      'events per day',
      'events by name',
      'duplicates per hour',
      'duplicates per day',
      'rejections per hour',
      'rejections per day',
    ]);
    const perHour = page.getByRole('img', { name: 'events per hour by name' });
    // Every event here has its event_at in one hour: one bar, cut into one part per event name.
    t.equal(
      await perHour.locator('rect').count(),
      new Set([...coupon.map((event) => event.event), 'installed', live.event]).size,
      'one stacked part per event name',
    );
    t.match(await page.locator('.legend').first().textContent(), /created.*fetched.*redeemed/);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('input[name=token]').waitFor();
    t.equal(await page.evaluate(async () => (await fetch('/api/events')).status), 401, 'signed out: the API is closed again');
    t.same(dialogs, []);
    t.same(errors, []);
  });

  t.test('the event page lists its forwarding attempts, and its Replay button sends it again', async (t) => {
    const received: string[] = [];
    const downstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(String(req.headers['x-passworks-event-id']));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      });
    });
    downstream.listen(0, '127.0.0.1');
    await once(downstream, 'listening');
    t.teardown(() => new Promise<void>((resolve) => downstream.close(() => resolve())));
    const forward = {
      url: `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/webhooks/passworks`,
      apiKey: 'downstream-key',
      pollMs: 20,
      replayRatePerSecond: 100,
    };
    const { app } = testApp(t, { uiDirectory, forward });
    const base = await listen(t, app);
    t.equal(await post(base, makePassEvent()), 200);
    for (let tries = 0; tries < 100 && received.length === 0; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    t.same(received, ['1'], 'forwarded once');
    const { page, dialogs, errors } = await openPage();
    t.teardown(() => page.close());
    await signIn(page, base, ADMIN_TOKEN);
    await page.goto(`${base}/ui/#/events/1`);
    await page.locator('[data-testid=attempts] tbody tr').first().waitFor();
    t.match(await page.getByTestId('forwarding').textContent(), 'delivered, 1 attempt');
    t.match(await page.locator('[data-testid=attempts] tbody tr').first().textContent(), /^1.*200succeeded/);
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByTestId('replay').filter({ hasText: 'done' }).waitFor();
    t.match(await page.getByTestId('replay').textContent(), /^Replay 1: done, 1 of 1 queued, 1 delivered, 0 failed$/);
    await page.locator('[data-testid=attempts] tbody tr').nth(1).waitFor();
    await page.getByTestId('forwarding').filter({ hasText: '2 attempts' }).waitFor();
    t.equal(
      await page.getByTestId('forwarding').textContent(),
      'delivered, 2 attempts (1 since queued again by replay 1)',
      'the summary counts every attempt the table lists',
    );
    t.match(await page.locator('[data-testid=attempts] tbody tr').nth(1).textContent(), /200succeeded1/, 'the replay’s attempt, with its replay id');
    t.same(received, ['1', '1'], 'sent again with the same event id');
    t.same(dialogs, []);
    t.same(errors, []);
  });

  t.test('a hostile payload stays text: no dialog, no script, no element', async (t) => {
    const { app } = testApp(t, { uiDirectory });
    const base = await listen(t, app);
    const hostile = `<img src=x onerror="document.title='pwned';alert(1)"><script>alert(2)</script>`;
    const event = makePassEvent({ metadata: { note: hostile, [hostile]: 'key' } });
    t.equal(await post(base, event), 200);
    t.equal(await post(base, makePassEvent({ event: `<img src=x onerror="alert(3)">` as never })), 200, 'unknown event names are stored');
    const { page, dialogs, errors } = await openPage();
    t.teardown(() => page.close());
    await signIn(page, base, ADMIN_TOKEN);
    await page.locator('[data-testid=events] tr').nth(1).waitFor();
    t.match(await page.getByTestId('events').textContent(), '<img src=x onerror="alert(3)">', 'the event name shows as text');
    await page.goto(`${base}/ui/#/passes/${event.pass_id}`);
    await page.getByTestId('metadata').waitFor();
    t.match(await page.getByTestId('metadata').textContent(), '<script>alert(2)</script>');
    await page.goto(`${base}/ui/#/events/1`);
    await page.getByTestId('json-tree').waitFor();
    t.match(await page.getByTestId('json-tree').textContent(), '<script>alert(2)</script>', 'the tree shows it as text');
    await page.getByRole('tab', { name: /Raw bytes/ }).click();
    await page.getByTestId('raw').waitFor();
    t.match(await page.getByTestId('raw').textContent(), '<script>alert(2)</script>');
    t.equal(await page.locator('main img, main script').count(), 0, 'no element was made from the payload');
    const refusedBody = JSON.stringify({ note: hostile });
    const refused = await fetch(`${base}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: API_KEY },
      body: refusedBody,
    });
    t.equal(refused.status, 422, 'not a pass event: rejected, its body kept');
    await untilRejectionListed(base);
    await page.goto(`${base}/ui/#/rejections`);
    await page.locator('[data-testid=rejections] code.preview').first().waitFor();
    t.equal(await page.locator('[data-testid=rejections] code.preview').first().textContent(), refusedBody, 'a rejected body preview shows as text');
    // Issue 21: the rejection says why, with its issues' paths as the sender was told them.
    const [firstIssue] = ((await refused.json()) as { error: { issues: Array<{ path: string; message: string }> } }).error.issues;
    t.ok(firstIssue !== undefined && firstIssue.path.startsWith('$'), 'the 422 answered issues');
    t.match(
      await page.getByTestId('rejection-why').first().textContent(),
      `${firstIssue?.path} ${firstIssue?.message}`,
      "the 422's issue path and message show on the rejections page",
    );
    t.equal(await page.locator('main img, main script').count(), 0);
    t.not(await page.title(), 'pwned');
    t.same(dialogs, [], 'no dialog opened');
    t.same(errors, []);
  });
}
