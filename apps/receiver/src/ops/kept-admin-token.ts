import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PassworksWebhookError } from '@passworks-webhooks/core';

/** The name of the file, beside the SQLite database file, that keeps the generated admin token. */
export const ADMIN_TOKEN_FILE = 'admin-token';

/** The shortest token the file may hold: the same floor as `ADMIN_TOKEN`'s. */
const MIN_TOKEN_LENGTH = 16;

/** The admin token kept in a file, and whether this call made it. */
export interface KeptAdminToken {
  readonly token: string;
  /** The file's absolute path. */
  readonly path: string;
  /** True when this start generated the token (the file did not exist). */
  readonly created: boolean;
}

/** Writes a new random token to a private temporary file, then links it to `path` unless a file is there already: created whole, with mode 0600, or not at all. */
function createOnce(path: string): boolean {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  // 192 random bits, as 32 URL-safe characters (no quoting needed in a shell or a form).
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(24).toString('base64url')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    // link() fails with EEXIST when another receiver on the same folder won the race: its file is complete, use it.
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/** Reads the token from `path`, refusing a file other users may open or one that holds no usable token. */
function readChecked(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const { mode } = fstatSync(fd);
    // Modes mean little on Windows: the check is for POSIX systems.
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      const shown = (mode & 0o777).toString(8).padStart(4, '0');
      throw new PassworksWebhookError(
        'invalid_config',
        `${path} is open to other users (mode ${shown}), so the admin token in it may have been read: run "chmod 600 ${path}" to keep it, or delete the file to have a new one generated, then start again`,
      );
    }
    const token = readFileSync(fd, 'utf8').trim();
    if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
      throw new PassworksWebhookError(
        'invalid_config',
        `${path}: expected one token of at least ${MIN_TOKEN_LENGTH} characters without spaces (not shown); delete the file to have a new one generated`,
      );
    }
    return token;
  } finally {
    closeSync(fd);
  }
}

/**
 * The admin token of a receiver started without `ADMIN_TOKEN` on its SQLite
 * file: generated at the first start (192 random bits) and kept in
 * {@link ADMIN_TOKEN_FILE} beside the database file, created atomically with
 * mode 0600, and read again at every later start. Several receivers on the
 * same file therefore share one token (and their sessions). A file that group
 * or other users may open is refused, not repaired: the token may have been
 * read, and only its owner can tell whether to keep it. The token is never
 * logged; only the file's path is shown.
 * @throws PassworksWebhookError `invalid_config` for a file open to others or without a usable token
 * @example
 * const { token, path, created } = keptAdminToken('./data/passworks.db'); // ./data/admin-token
 */
export function keptAdminToken(databasePath: string): KeptAdminToken {
  const folder = resolve(dirname(databasePath));
  const path = join(folder, ADMIN_TOKEN_FILE);
  mkdirSync(folder, { recursive: true });
  try {
    return { token: readChecked(path), path, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const created = createOnce(path);
  return { token: readChecked(path), path, created };
}
