import { useSyncExternalStore } from 'react';

/**
 * The viewer's choice of zone for every time on the page: their own (the default) or UTC. It is
 * kept in localStorage, so it survives reloads and applies to every tab; a change in one tab
 * reaches the others through the storage event.
 */
const KEY = 'bella.timeZone';
const listeners = new Set<() => void>();

function read(): boolean {
  try {
    return localStorage.getItem(KEY) === 'UTC';
  } catch {
    return false;
  }
}

function subscribe(fn: () => void) {
  listeners.add(fn);
  const onStorage = (e: StorageEvent) => e.key === KEY && fn();
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(fn);
    window.removeEventListener('storage', onStorage);
  };
}

export function setUtc(utc: boolean): void {
  try {
    if (utc) localStorage.setItem(KEY, 'UTC');
    else localStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode quotas): the choice lasts for this page only.
  }
  listeners.forEach((fn) => fn());
}

/** true when times are shown in UTC. */
export function useUtc(): boolean {
  return useSyncExternalStore(subscribe, read);
}
