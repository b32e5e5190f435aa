/**
 * Session state: probes /auth/me on load, keeps the CSRF token in the API client, and sends
 * the user to the login page whenever any call answers 401.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { navigate } from '../lib/router.ts';
import { setCsrfToken, setUnauthorizedHandler } from './client.ts';
import { authApi } from './endpoints.ts';
import type { Session, SessionUser } from './types.ts';

type Status = 'loading' | 'anonymous' | 'authenticated';

interface SessionContextValue {
  status: Status;
  user: SessionUser | null;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

function currentPath(): string {
  return window.location.pathname + window.location.search;
}

function goToLogin(): void {
  const here = currentPath();
  if (window.location.pathname === '/login') return;
  const next = here && here !== '/' ? `?next=${encodeURIComponent(here)}` : '';
  navigate(`/login${next}`, { replace: true });
}

/** Only same-origin paths are accepted as a post-login destination. */
export function safeNext(v: string | null): string {
  if (!v?.startsWith('/') || v.startsWith('//') || v.startsWith('/\\') || v.startsWith('/login')) return '/';
  return v;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>('loading');
  const [user, setUser] = useState<SessionUser | null>(null);

  const accept = useCallback((s: Session) => {
    setCsrfToken(s.csrfToken);
    setUser(s.user);
    setStatus('authenticated');
  }, []);

  const drop = useCallback(() => {
    setCsrfToken('');
    setUser(null);
    setStatus('anonymous');
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      drop();
      goToLogin();
    });
    let live = true;
    authApi
      .me()
      .then((s) => live && accept(s))
      .catch(() => {
        if (!live) return;
        drop();
        goToLogin();
      });
    return () => {
      live = false;
      setUnauthorizedHandler(null);
    };
  }, [accept, drop]);

  const value = useMemo<SessionContextValue>(
    () => ({
      status,
      user,
      async login(username, password) {
        accept(await authApi.login(username, password));
      },
      async logout() {
        try {
          await authApi.logout();
        } finally {
          drop();
          navigate('/login', { replace: true });
        }
      },
    }),
    [status, user, accept, drop],
  );

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}
