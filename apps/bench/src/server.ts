import { serve } from './servers.js';

await serve(process.argv[2] ?? '');
