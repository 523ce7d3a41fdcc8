import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, login } from '../api/client';
import type { Session } from '../api/client';
import { useDocumentTitle } from '../lib/router';

export function SignInPage({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  useDocumentTitle('Sign in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await login(email, password));
    } catch (err) {
      // Same words for unknown email and wrong password: the server does not say which, nor do we.
      setError(
        err instanceof ApiError && (err.status === 401 || err.status === 400)
          ? 'That email and password do not match an account.'
          : (err as Error).message,
      );
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <form className="card signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <div className="brand signin-brand">
          <span className="brand-mark" aria-hidden="true">
            B
          </span>
          Bella Baxter
        </div>
        <h1 id="signin-title">Sign in</h1>
        <label className="field">
          <span>Email</span>
          <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
