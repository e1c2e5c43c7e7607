// Refreshes a view: runs fn now, then again `ms` after each run ends (runs never overlap, so a
// slow server is never asked twice at once). now() refreshes at once (after an action).

export function poller(fn, ms) {
  let timer = null;
  let stopped = false;
  let running = null;
  async function tick() {
    clearTimeout(timer);
    if (stopped) return;
    running = (async () => {
      try {
        await fn();
      } catch (e) {
        console.warn('refresh failed', e);
      }
    })();
    await running;
    running = null;
    if (!stopped) timer = setTimeout(tick, ms);
  }
  tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    async now() {
      if (running) await running;
      await tick();
    },
  };
}

/** Refresh every this many milliseconds. */
export const REFRESH_MS = 2000;
