import { useEffect, useState } from 'preact/hooks';

/** The page a hash names: `#/events/12` is `{ path: ['events', '12'], query }`. */
export interface Route {
  readonly path: readonly string[];
  readonly query: URLSearchParams;
}

function current(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const at = hash.indexOf('?');
  const path = (at < 0 ? hash : hash.slice(0, at))
    .split('/')
    .filter((part) => part !== '')
    .map(decodeURIComponent);
  return { path, query: new URLSearchParams(at < 0 ? '' : hash.slice(at + 1)) };
}

/** The current hash route, updated on navigation. */
export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = (): void => setRoute(current());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** A hash link to a page: path parts are encoded, so a value never becomes markup or a scheme. */
export function href(parts: readonly (string | number)[], query = ''): string {
  return `#/${parts.map((part) => encodeURIComponent(String(part))).join('/')}${query}`;
}
