import { openLoop, type OpenLoopConfig } from './open-loop.js';

// `node open-loop-process.js '<json config>'`: one JSON line of results on stdout.
const result = await openLoop(JSON.parse(process.argv[2] ?? '') as OpenLoopConfig);
process.stdout.write(`${JSON.stringify(result)}\n`);
