// Loaded into every test process (each package's tap `node-arg`): registers the
// hooks that run TypeScript (tap-typescript-hooks.mjs). The tap config's
// `test-env` TAP_TYPE_STRIP_ONLY=1 keeps @tapjs/typescript from loading ts-node
// into the test processes (on Node 22.6+ tap means Node's own type stripping by
// it; these hooks strip the types on every version). The plugin stays in tap's
// plugin list: removing it would make tap rebuild itself inside node_modules on
// the first run, from two packages at once under turbo.
import { register } from 'node:module';

register('./tap-typescript-hooks.mjs', import.meta.url);
