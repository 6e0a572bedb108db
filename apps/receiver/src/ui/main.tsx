import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getJson } from './api.ts';
import { EventPage } from './pages/event-page.tsx';
import { EventsPage } from './pages/events-page.tsx';
import { OverviewPage } from './pages/overview-page.tsx';
import { PassPage } from './pages/pass-page.tsx';
import { RejectionsPage } from './pages/rejections-page.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { href, useRoute, type Route } from './router.ts';
import './styles.css';

function Page({ route }: { route: Route }) {
  const [section, id] = route.path;
  if (section === 'events' && id !== undefined) return <EventPage id={id} />;
  if (section === 'passes' && id !== undefined) return <PassPage passId={id} />;
  if (section === 'rejections') return <RejectionsPage query={route.query} />;
  if (section === 'overview') return <OverviewPage />;
  return <EventsPage query={route.query} />;
}

function App() {
  const route = useRoute();
  const [session, setSession] = useState<'checking' | 'in' | 'out'>('checking');
  useEffect(() => {
    getJson('/api/session').then(
      () => setSession('in'),
      (error: unknown) => setSession(error instanceof ApiError && error.status === 401 ? 'out' : 'in'),
    );
  }, []);
  if (session === 'checking') return <p class="muted">Loading…</p>;
  if (session === 'out') return <SignIn failed={new URLSearchParams(location.search).get('signin') === 'failed'} />;
  const section = route.path[0] ?? 'events';
  return (
    <>
      <header>
        <strong>Passworks receiver</strong>
        <nav>
          <a href={href(['events'])} class={section === 'events' || section === 'passes' ? 'active' : ''}>
            Events
          </a>
          <a href={href(['rejections'])} class={section === 'rejections' ? 'active' : ''}>
            Rejections
          </a>
          <a href={href(['overview'])} class={section === 'overview' ? 'active' : ''}>
            Overview
          </a>
        </nav>
        <form method="post" action="/api/session/end">
          <button type="submit" class="link">
            Sign out
          </button>
        </form>
      </header>
      <main>
        <Page route={route} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
