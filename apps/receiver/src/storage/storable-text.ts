// U+0000 (which JSON allows as "\u0000") cannot be stored in PostgreSQL's text, and an unpaired UTF-16
// surrogate cannot be encoded as UTF-8 (nor parsed back from json); both become U+FFFD.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A string every text column accepts: U+0000 and each unpaired surrogate
 * replaced by U+FFFD, everything else unchanged (a string already storable
 * is returned as is). Every text the PostgreSQL storage writes, or compares
 * with what it wrote, goes through it; the raw bytes of an event are kept
 * exact in `raw`.
 * @example storableText('a\u0000b') // 'a\uFFFDb'
 */
export const storableText = <T extends string | null>(value: T): T => (value === null ? value : (value.replace(UNSTORABLE, '\uFFFD') as T));
