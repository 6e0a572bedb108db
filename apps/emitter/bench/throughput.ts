/**
 * Emitter throughput: how many deliveries a second the emitter sends to a
 * bare node:http server answering 204 (in its own process on 127.0.0.1), so
 * the emitter is measured alone. Also times the simulator.
 *
 *   npm run bench -w @passworks-webhooks/emitter
 *   node --conditions=@passworks-webhooks/source --import=tsx bench/throughput.ts [passes] [concurrency...]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { deliver, simulate } from '../src/index.js';

const passes = Number(process.argv[2] ?? 4000);
const concurrencies = process.argv.slice(3).map(Number);
const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(204); res.end(); }); });
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
const url = `http://127.0.0.1:${chunk.toString().trim()}/webhooks/passworks`;

try {
  let started = performance.now();
  const { events } = simulate({ seed: 1, passes });
  const simulateMs = performance.now() - started;
  console.log(
    `simulate: ${events.length} events of ${passes} passes in ${simulateMs.toFixed(0)} ms (${Math.round(events.length / (simulateMs / 1000))} events/s)`,
  );
  // Warm up the JIT and the connections.
  await deliver({ target: url, apiKey: 'bench-key', events: events.slice(0, 2000), concurrency: 32 });
  for (const concurrency of concurrencies.length > 0 ? concurrencies : [16, 64, 128]) {
    started = performance.now();
    const result = await deliver({ target: url, apiKey: 'bench-key', events, concurrency });
    const seconds = (performance.now() - started) / 1000;
    if (!result.ok) throw new Error('the bare server did not accept every delivery');
    console.log(
      `deliver: concurrency ${String(concurrency).padStart(3)}: ${result.summary.sent} deliveries in ${seconds.toFixed(2)} s = ${Math.round(result.summary.sent / seconds)} events/s`,
    );
  }
} finally {
  child.kill();
}
