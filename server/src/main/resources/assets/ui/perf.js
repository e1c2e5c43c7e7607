// Render timings, kept in window.__graftPerf so that a test (or a person in the console) can read
// them: how long each view took to build and lay out, how long the API took, and the longest task
// that blocked the page (a frozen page shows up there first).

const perf = (window.__graftPerf = window.__graftPerf || {renders: [], fetches: [], longTasks: []});

try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      perf.longTasks.push({at: Math.round(e.startTime), ms: Math.round(e.duration)});
      if (perf.longTasks.length > 500) perf.longTasks.shift();
    }
  }).observe({type: 'longtask', buffered: true});
} catch {
  // Browsers without long-task timing: renders are still measured.
}

/**
 * Runs fn (which builds or updates DOM), forces style and layout, and records the time; then
 * records how long until the next frame was painted as well.
 */
export function measure(view, kind, detail, fn) {
  const t0 = performance.now();
  const result = fn();
  void document.body.offsetHeight; // style and layout now, inside the measurement
  const scriptMs = performance.now() - t0;
  const entry = {view, kind, ...detail, scriptMs: Math.round(scriptMs * 10) / 10, frameMs: null, at: Math.round(t0)};
  perf.renders.push(entry);
  if (perf.renders.length > 500) perf.renders.shift();
  requestAnimationFrame(() => setTimeout(() => {
    entry.frameMs = Math.round((performance.now() - t0) * 10) / 10;
  }, 0));
  return result;
}

export function recordFetch(what, ms, bytes) {
  perf.fetches.push({what, ms: Math.round(ms), bytes, at: Math.round(performance.now())});
  if (perf.fetches.length > 500) perf.fetches.shift();
}
