import t from 'tap';
import { unknownOptionMessage } from '../src/index.js';

const known = { flags: ['port', 'host', 'timeout-ms', 'database-path'], envOnly: { 'api-key': 'PASSWORKS_API_KEY', 'admin-token': 'ADMIN_TOKEN' } };

t.test('a near miss names the nearest flag: a typo, a swap of neighbours, a missing hyphen', async (t) => {
  t.equal(unknownOptionMessage('--prot', known), 'unknown option --prot (did you mean --port?)');
  t.equal(unknownOptionMessage('--hots', known), 'unknown option --hots (did you mean --host?)');
  t.equal(unknownOptionMessage('--timeoutms', known), 'unknown option --timeoutms (did you mean --timeout-ms?)');
  t.equal(unknownOptionMessage('--databse-path', known), 'unknown option --databse-path (did you mean --database-path?)');
});

t.test('an option set only through the environment names its variable, exactly or nearly spelt', async (t) => {
  t.equal(
    unknownOptionMessage('--api-key', known),
    'unknown option --api-key: this setting comes from the environment variable PASSWORKS_API_KEY (it has no flag)',
  );
  t.equal(
    unknownOptionMessage('--apikey', known),
    'unknown option --apikey: this setting comes from the environment variable PASSWORKS_API_KEY (it has no flag)',
  );
  t.equal(
    unknownOptionMessage('--admin-tokn', known),
    'unknown option --admin-tokn: this setting comes from the environment variable ADMIN_TOKEN (it has no flag)',
  );
});

t.test('nothing near: the option alone', async (t) => {
  t.equal(unknownOptionMessage('--colour', known), 'unknown option --colour');
  t.equal(unknownOptionMessage('-x', known), 'unknown option -x');
  t.equal(unknownOptionMessage('--verbose', { flags: [] }), 'unknown option --verbose');
});
